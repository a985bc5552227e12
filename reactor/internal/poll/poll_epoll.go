//go:build linux

package poll

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// LockThread is false: a Linux loop does not lock its OS thread. It never blocks
// in epoll_wait: it polls its epoll instance without waiting and, when
// nothing is ready, parks on Go's own netpoller until the epoll fd turns
// readable (see Wait). A parked loop holds no thread and no P, so there is
// no syscall for sysmon to retake and no hand-off of a locked thread.
const LockThread = false

// Poller is an epoll instance plus an eventfd for cross-goroutine wakeups.
type Poller struct {
	fd     int
	wakeFD int
	events []unix.EpollEvent
	file   *os.File        // fd, registered with Go's netpoller
	rc     syscall.RawConn // file's, for parking
	ready  func(uintptr) bool
	n      int // what ready's poll found
	err    error

	hasDeadline bool // file has a read deadline set
	blocking    bool // the netpoller refused the fd: block in epoll_wait
}

// Open creates a poller with its wake-up channel registered.
func Open() (*Poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil { // so os.NewFile hands it to the netpoller
		unix.Close(fd)
		return nil, os.NewSyscallError("epoll fd nonblock", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &Poller{fd: fd, wakeFD: wfd, events: make([]unix.EpollEvent, maxEvents)}
	p.ready = func(uintptr) bool { // bound once: no allocation per park
		p.n, p.err = p.poll()
		return p.n > 0 || p.err != nil
	}
	p.file = os.NewFile(uintptr(fd), "epoll")
	if p.rc, err = p.file.SyscallConn(); err != nil {
		p.Close()
		return nil, err
	}
	// A file Go's netpoller took has deadlines; if it did not take this
	// one, park blocks in epoll_wait instead of spinning on an error.
	p.blocking = errors.Is(p.file.SetReadDeadline(time.Time{}), os.ErrNoDeadline)
	if err := p.Add(wfd, InRead); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// Close releases the poller's descriptors.
func (p *Poller) Close() error {
	unix.Close(p.wakeFD)
	if err := p.file.Close(); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// poll fetches ready events without waiting. A raw system call: it never
// blocks, so it needs no hand-off of the P.
func (p *Poller) poll() (int, error) {
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.fd), uintptr(unsafe.Pointer(&p.events[0])),
			uintptr(len(p.events)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, os.NewSyscallError("epoll_pwait", e)
		}
		return int(n), nil
	}
}

// park polls, and while nothing is ready waits on Go's netpoller for the
// epoll fd to turn readable, for at most msec ms (-1: no limit). Go's
// netpoller watches the fd edge-triggered; that is enough because park
// only waits after a poll found the ready list empty, so the next event is
// an edge.
func (p *Poller) park(msec int) (int, error) {
	if p.blocking {
		for {
			n, err := unix.EpollWait(p.fd, p.events, msec)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return 0, os.NewSyscallError("epoll_wait", err)
			}
			return n, nil
		}
	}
	if msec > 0 {
		p.hasDeadline = true
		if err := p.file.SetReadDeadline(time.Now().Add(time.Duration(msec) * time.Millisecond)); err != nil {
			return 0, err
		}
	} else if p.hasDeadline { // clear it once, not on every park
		p.hasDeadline = false
		if err := p.file.SetReadDeadline(time.Time{}); err != nil {
			return 0, err
		}
	}
	err := p.rc.Read(p.ready)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return p.n, p.err
}

var wakeOne = [8]byte{1}

// Wake makes a Wait in progress (or the next one) return with woke set.
// Safe for concurrent use.
func (p *Poller) Wake() error {
	for {
		_, err := unix.Write(p.wakeFD, wakeOne[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil && err != unix.EAGAIN { // EAGAIN: the counter is saturated, a wake is pending anyway
			return os.NewSyscallError("eventfd write", err)
		}
		return nil
	}
}

// Wait waits at most msec milliseconds (-1: no limit, 0: no wait) for
// readiness, calls fn for each ready fd and reports whether a Wake was
// consumed.
func (p *Poller) Wait(msec int, fn func(fd int, ev Event)) (woke bool, err error) {
	var n int
	if msec == 0 {
		n, err = p.poll()
	} else {
		n, err = p.park(msec)
	}
	if err != nil {
		return false, err
	}
	for i := 0; i < n; i++ {
		e := &p.events[i]
		fd := int(e.Fd)
		if fd == p.wakeFD {
			var b [8]byte
			unix.Read(p.wakeFD, b[:])
			woke = true
			continue
		}
		var ev Event
		if e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
			ev |= EvRead
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= EvWrite
		}
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ev |= EvErr
		}
		fn(fd, ev)
	}
	return woke, nil
}

func epollEvents(in Interest) uint32 {
	var ev uint32
	if in&InRead != 0 {
		ev |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if in&InWrite != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

// Add registers fd for in.
func (p *Poller) Add(fd int, in Interest) error {
	ev := unix.EpollEvent{Events: epollEvents(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl add", err)
	}
	return nil
}

// Mod changes fd's registration from old to in.
func (p *Poller) Mod(fd int, old, in Interest) error {
	if old == in {
		return nil
	}
	ev := unix.EpollEvent{Events: epollEvents(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl mod", err)
	}
	return nil
}

// Del removes fd, registered for old.
func (p *Poller) Del(fd int, old Interest) error {
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl del", err)
	}
	return nil
}
