//go:build !race && (linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package reactor

const resetCycles = 10000

const raceEnabled = false
