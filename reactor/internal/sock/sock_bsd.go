//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package sock

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func socket(domain, typ int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(domain, typ, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Accept accepts a conn from the listening socket fd as a non-blocking,
// close-on-exec fd.
func Accept(fd int) (int, unix.Sockaddr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, nil, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, nil, err
	}
	return nfd, sa, nil
}

// Writev writes bufs in order with write(2) calls, stopping at the first
// short write; not every BSD has writev in golang.org/x/sys.
func Writev(fd int, _ []unix.Iovec, bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := unix.Write(fd, b)
		if n > 0 {
			total += n
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}

func setKeepAlivePeriod(fd, secs int) error {
	return setKeepAliveIdle(fd, secs)
}

// Read reads from a non-blocking fd.
func Read(fd int, p []byte) (int, error) { return unix.Read(fd, p) }

// Write writes to a non-blocking fd.
func Write(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
