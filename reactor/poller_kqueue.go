//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockLoopThread: a kqueue loop blocks in kevent on its own locked OS
// thread.
const lockLoopThread = true

// poller is a kqueue instance; wakeups use EVFILT_USER where the kernel has
// it (wake_kqueue_user.go) and a self-pipe elsewhere (wake_kqueue_pipe.go).
type poller struct {
	fd      int
	wakeR   int // self-pipe read end, or -1 with EVFILT_USER
	wakeW   int
	events  []unix.Kevent_t
	changes []unix.Kevent_t
}

func openPoller() (*poller, error) {
	fd, err := unix.Kqueue()
	if err != nil {
		return nil, os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(fd)
	p := &poller{fd: fd, wakeR: -1, wakeW: -1, events: make([]unix.Kevent_t, maxPollEvents)}
	if err := p.initWake(); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return p, nil
}

func (p *poller) close() error {
	if p.wakeR >= 0 {
		unix.Close(p.wakeR)
		unix.Close(p.wakeW)
	}
	if err := unix.Close(p.fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

func (p *poller) wait(msec int, fn func(fd int, ev pollEvent)) (woke bool, err error) {
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
		var ev pollEvent
		switch e.Filter {
		case unix.EVFILT_READ:
			ev = evRead
		case unix.EVFILT_WRITE:
			ev = evWrite
		}
		if e.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0 {
			ev |= evErr
		}
		fn(int(e.Ident), ev)
	}
	return woke, nil
}

func (p *poller) change(fd int, filter, flags int) {
	var k unix.Kevent_t
	unix.SetKevent(&k, fd, filter, flags)
	p.changes = append(p.changes, k)
}

func (p *poller) apply(op string) error {
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

func (p *poller) add(fd int, in interest) error {
	if in&interestRead != 0 {
		p.change(fd, unix.EVFILT_READ, unix.EV_ADD)
	}
	if in&interestWrite != 0 {
		p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD)
	}
	return p.apply("kevent add")
}

func (p *poller) mod(fd int, old, in interest) error {
	if old == in {
		return nil
	}
	for _, f := range [...]struct {
		bit    interest
		filter int
	}{{interestRead, unix.EVFILT_READ}, {interestWrite, unix.EVFILT_WRITE}} {
		switch {
		case in&f.bit != 0 && old&f.bit == 0:
			p.change(fd, f.filter, unix.EV_ADD)
		case in&f.bit == 0 && old&f.bit != 0:
			p.change(fd, f.filter, unix.EV_DELETE)
		}
	}
	return p.apply("kevent mod")
}

func (p *poller) del(fd int, old interest) error {
	if old&interestRead != 0 {
		p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
	}
	if old&interestWrite != 0 {
		p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE)
	}
	return p.apply("kevent delete")
}
