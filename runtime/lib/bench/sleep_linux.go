package bench

import (
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleep sleeps d in the kernel (nanosleep: tens of µs of slack on
// Linux) instead of on a Go timer. The goroutine's thread blocks; the Go
// runtime hands its P to other goroutines meanwhile.
func preciseSleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
