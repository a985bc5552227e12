//go:build freebsd || netbsd || dragonfly

package sock

import (
	"os"

	"golang.org/x/sys/unix"
)

func setKeepAliveIdle(fd, secs int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, secs); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPIDLE", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPINTVL", err)
	}
	return nil
}
