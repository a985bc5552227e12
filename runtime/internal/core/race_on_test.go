//go:build race

package core

// raceEnabled: the race detector slows Lua about tenfold; latency bounds in
// tests scale with it.
const raceEnabled = true
