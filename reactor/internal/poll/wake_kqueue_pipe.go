//go:build netbsd || openbsd

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// initWake creates the self-pipe these kernels use instead of EVFILT_USER.
func (p *Poller) initWake() error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	p.wakeR, p.wakeW = fds[0], fds[1]
	p.change(p.wakeR, unix.EVFILT_READ, unix.EV_ADD)
	return p.apply("kevent add wake")
}

// Wake makes a Wait in progress (or the next one) return with woke set.
// Safe for concurrent use.
func (p *Poller) Wake() error {
	_, err := unix.Write(p.wakeW, []byte{1})
	if err != nil && err != unix.EAGAIN && err != unix.EINTR {
		return os.NewSyscallError("write wake pipe", err)
	}
	return nil
}

func (p *Poller) isWake(e *unix.Kevent_t) bool {
	if int(e.Ident) != p.wakeR || e.Filter != unix.EVFILT_READ {
		return false
	}
	var b [64]byte
	for {
		if n, _ := unix.Read(p.wakeR, b[:]); n <= 0 {
			return true
		}
	}
}
