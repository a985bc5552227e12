//go:build darwin || freebsd || dragonfly

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// initWake registers the EVFILT_USER event wake triggers.
func (p *Poller) initWake() error {
	p.change(0, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	return p.apply("kevent add user")
}

// Wake makes a Wait in progress (or the next one) return with woke set.
// Safe for concurrent use.
func (p *Poller) Wake() error {
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

func (p *Poller) isWake(e *unix.Kevent_t) bool { return e.Filter == unix.EVFILT_USER }
