//go:build darwin || freebsd || dragonfly

package reactor

import (
	"os"

	"golang.org/x/sys/unix"
)

// initWake registers the EVFILT_USER event wake triggers.
func (p *poller) initWake() error {
	p.change(0, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	return p.apply("kevent add user")
}

func (p *poller) wake() error {
	k := []unix.Kevent_t{{}}
	unix.SetKevent(&k[0], 0, unix.EVFILT_USER, 0)
	k[0].Fflags = unix.NOTE_TRIGGER
	for {
		_, err := unix.Kevent(p.fd, k, nil, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("kevent trigger", err)
		}
		return nil
	}
}

func (p *poller) isWake(e *unix.Kevent_t) bool { return e.Filter == unix.EVFILT_USER }
