//go:build !linux

package bench

import "time"

// preciseSleep is time.Sleep: kqueue systems wait for Go timers with
// nanosecond timeouts, so they fire on time.
func preciseSleep(d time.Duration) { time.Sleep(d) }
