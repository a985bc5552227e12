//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// fdReserve is how many descriptors MaxConnsLimit leaves for everything
// that is not a conn: listeners, pollers, wake fds, the spare fd kept for
// EMFILE, files a script opens.
const fdReserve = 64

// MaxConnsLimit is the most conns the process's file-descriptor limit
// allows: RLIMIT_NOFILE's soft limit (Go raises it to the hard limit at
// start-up on Linux and macOS) minus a reserve of 64. It is what
// SetMaxConns and the default of Options.MaxConns are held under, as nginx
// sizes worker_connections by the fds it has.
func MaxConnsLimit() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY || rl.Cur > 1<<30 {
		return 1 << 30
	}
	if n := int(rl.Cur) - fdReserve; n > 0 {
		return n
	}
	return 1
}

// defaultMaxConns is Options.MaxConns's default: 4096, or fewer when the
// fds do not allow it.
func defaultMaxConns() int { return min(DefaultEngineMaxConns, MaxConnsLimit()) }

// SetMaxConns changes the engine-wide conn limit while it runs (Lua:
// net.config{max_conns = n}; CLI: --max-conns). Conns above a lowered limit
// stay open; new ones are refused until the count falls below it. n must
// be positive and at most MaxConnsLimit().
func (e *Engine) SetMaxConns(n int) error {
	if lim := MaxConnsLimit(); n <= 0 || n > lim {
		return fmt.Errorf("max_conns %d: must be between 1 and %d (the file-descriptor limit RLIMIT_NOFILE minus %d)", n, lim, fdReserve)
	}
	e.maxConns.Store(int64(n))
	return nil
}

// MaxConns returns the engine-wide conn limit in force.
func (e *Engine) MaxConns() int { return int(e.maxConns.Load()) }
