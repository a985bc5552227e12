//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package bench

import "io"

// isTerminal reports false: without the unix ioctls no progress line is
// drawn.
func isTerminal(io.Writer) bool { return false }
