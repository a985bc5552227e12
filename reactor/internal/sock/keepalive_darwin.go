package sock

import (
	"os"

	"golang.org/x/sys/unix"
)

func setKeepAliveIdle(fd, secs int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPALIVE, secs); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPALIVE", err)
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, secs); err != nil {
		return os.NewSyscallError("setsockopt TCP_KEEPINTVL", err)
	}
	return nil
}
