//go:build race && (linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package reactor

// resetCycles is lower under the race detector, which slows every dial
// several times over; the full 10k cycles run without -race.
const resetCycles = 2000

const raceEnabled = true
