//go:build linux

package reactor

import (
	"os"

	"golang.org/x/sys/unix"
)

// poller is an epoll instance plus an eventfd for cross-goroutine wakeups.
type poller struct {
	fd     int
	wakeFD int
	events []unix.EpollEvent
}

func openPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	p := &poller{fd: fd, wakeFD: wfd, events: make([]unix.EpollEvent, maxPollEvents)}
	if err := p.add(wfd, interestRead); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *poller) close() error {
	unix.Close(p.wakeFD)
	if err := unix.Close(p.fd); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

var wakeOne = [8]byte{1}

func (p *poller) wake() error {
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

func (p *poller) wait(msec int, fn func(fd int, ev pollEvent)) (woke bool, err error) {
	n, err := unix.EpollWait(p.fd, p.events, msec)
	if err != nil {
		if err == unix.EINTR {
			return false, nil
		}
		return false, os.NewSyscallError("epoll_wait", err)
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
		var ev pollEvent
		if e.Events&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
			ev |= evRead
		}
		if e.Events&unix.EPOLLOUT != 0 {
			ev |= evWrite
		}
		if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
			ev |= evErr
		}
		fn(fd, ev)
	}
	return woke, nil
}

func epollEvents(in interest) uint32 {
	var ev uint32
	if in&interestRead != 0 {
		ev |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if in&interestWrite != 0 {
		ev |= unix.EPOLLOUT
	}
	return ev
}

func (p *poller) add(fd int, in interest) error {
	ev := unix.EpollEvent{Events: epollEvents(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl add", err)
	}
	return nil
}

func (p *poller) mod(fd int, old, in interest) error {
	if old == in {
		return nil
	}
	ev := unix.EpollEvent{Events: epollEvents(in), Fd: int32(fd)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl mod", err)
	}
	return nil
}

func (p *poller) del(fd int, old interest) error {
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl del", err)
	}
	return nil
}
