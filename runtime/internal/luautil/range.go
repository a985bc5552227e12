package luautil

import (
	"fmt"
	"math"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Limits modules use for range checks of sizes and times.
const (
	// MaxSize is the largest byte size an option may name (a frame, a
	// buffer, an outbound cap): 1 GiB.
	MaxSize = 1 << 30
	// MaxSeconds is the longest time an option may name: 365 days (a
	// time.Duration holds about 292 years; past that seconds overflow).
	MaxSeconds = 365 * 24 * 3600
)

// OptIntIn reads integer option k of o (def when absent) and raises
// "fn: option k = v is out of range (lo to hi)" outside [lo, hi].
func OptIntIn(L *lua.LState, fn string, o *lua.LTable, k string, def, lo, hi int) int {
	if v, ok := o.RawGetString(k).(lua.LNumber); ok {
		checkRange(L, fn, "option "+k, float64(v), float64(lo), float64(hi))
	}
	return OptInt(L, o, k, def)
}

// OptSecondsIn reads option k of o in seconds (def when absent) and raises
// a range error outside [lo, hi].
func OptSecondsIn(L *lua.LState, fn string, o *lua.LTable, k string, def, lo, hi float64) time.Duration {
	if v, ok := o.RawGetString(k).(lua.LNumber); ok {
		checkRange(L, fn, "option "+k, float64(v), lo, hi)
	}
	return Seconds(OptNum(L, o, k, def))
}

// CheckIntIn reads argument n as an integer in [lo, hi]; what names it in
// the error ("size").
func CheckIntIn(L *lua.LState, fn string, n int, what string, lo, hi int) int {
	v := float64(L.CheckNumber(n))
	checkRange(L, fn, what, v, float64(lo), float64(hi))
	if v != math.Trunc(v) {
		L.RaiseError("%s: %s: integer expected, got %v", fn, what, v)
	}
	return int(v)
}

// CheckSecondsIn reads argument n as seconds in [lo, hi].
func CheckSecondsIn(L *lua.LState, fn string, n int, what string, lo, hi float64) time.Duration {
	v := float64(L.CheckNumber(n))
	checkRange(L, fn, what, v, lo, hi)
	return Seconds(v)
}

func checkRange(L *lua.LState, fn, what string, v, lo, hi float64) {
	if v != v || v < lo || v > hi {
		L.RaiseError("%s: %s = %s is out of range (%s to %s)", fn, what, num(v), num(lo), num(hi))
	}
}

// num formats a number the way Lua 5.1 prints it (%.14g).
func num(f float64) string { return fmt.Sprintf("%.14g", f) }
