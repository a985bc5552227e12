//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package poll

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// LockThread is true: a kqueue loop blocks in kevent on its own locked OS
// thread.
const LockThread = true

// Poller is a kqueue instance; wakeups use EVFILT_USER where the kernel has
// it (wake_kqueue_user.go) and a self-pipe elsewhere (wake_kqueue_pipe.go).
type Poller struct {
	fd      int
	wakeR   int // self-pipe read end, or -1 with EVFILT_USER
	wakeW   int
	events  []unix.Kevent_t
	changes []unix.Kevent_t
}

// Open creates a poller with its wake-up channel registered.
func Open() (*Poller, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	p := &Poller{fd: fd, wakeR: -1, wakeW: -1, events: make([]unix.Kevent_t, maxEvents)}
	if err := p.initWake(); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return p, nil
}

// Close releases the poller's descriptors.
func (p *Poller) Close() error {
	if p.wakeR >= 0 {
		unix.Close(p.wakeR)
		unix.Close(p.wakeW)
	}
	if err := unix.Close(p.fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// Wait waits at most msec milliseconds (-1: no limit, 0: no wait) for
// readiness, calls fn for each ready fd and reports whether a Wake was
// consumed.
func (p *Poller) Wait(msec int, fn func(fd int, ev Event)) (woke bool, err error) {
	var ts *unix.Timespec
	if msec >= 0 {
		t := unix.NsecToTimespec(int64(time.Duration(msec) * time.Millisecond))
		ts = &t
	}
	n, err := unix.Kevent(p.fd, nil, p.events, ts)
	if err != nil {
		if err == unix.EINTR {
			return false, nil
		}
		return false, os.NewSyscallError("kevent wait", err)
	}
	for i := 0; i < n; i++ {
		e := &p.events[i]
		if p.isWake(e) {
			woke = true
			continue
		}
		var ev Event
		switch e.Filter {
		case unix.EVFILT_READ:
			ev = EvRead
		case unix.EVFILT_WRITE:
			ev = EvWrite
		}
		if e.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0 {
			ev |= EvErr
		}
		fn(int(e.Ident), ev)
	}
	return woke, nil
}

func (p *Poller) change(fd int, filter, flags int) {
	var k unix.Kevent_t
	unix.SetKevent(&k, fd, filter, flags)
	p.changes = append(p.changes, k)
}

func (p *Poller) apply(op string) error {
	if len(p.changes) == 0 {
		return nil
	}
	_, err := unix.Kevent(p.fd, p.changes, nil, nil)
	p.changes = p.changes[:0]
	if err != nil {
		return os.NewSyscallError(op, err)
	}
	return nil
}

// Add registers fd for in.
func (p *Poller) Add(fd int, in Interest) error {
	if in&InRead != 0 {
		p.change(fd, unix.EVFILT_READ, unix.EV_ADD)
	}
	if in&InWrite != 0 {
		p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD)
	}
	return p.apply("kevent add")
}

// Mod changes fd's registration from old to in.
func (p *Poller) Mod(fd int, old, in Interest) error {
	if old == in {
		return nil
	}
	for _, f := range [...]struct {
		bit    Interest
		filter int
	}{{InRead, unix.EVFILT_READ}, {InWrite, unix.EVFILT_WRITE}} {
		switch {
		case in&f.bit != 0 && old&f.bit == 0:
			p.change(fd, f.filter, unix.EV_ADD)
		case in&f.bit == 0 && old&f.bit != 0:
			p.change(fd, f.filter, unix.EV_DELETE)
		}
	}
	return p.apply("kevent mod")
}

// Del removes fd, registered for old.
func (p *Poller) Del(fd int, old Interest) error {
	if old&InRead != 0 {
		p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
	}
	if old&InWrite != 0 {
		p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE)
	}
	return p.apply("kevent delete")
}
