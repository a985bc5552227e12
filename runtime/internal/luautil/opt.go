// Package luautil holds helpers netplay's Lua modules share: option
// readers, member errors, suspending Go functions, copying values between
// VMs and number formatting. Nothing here keeps state.
package luautil

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/netplay-lab/netplay/codecs"
	lua "github.com/yuin/gopher-lua"
)

// OptTable returns argument n as an options table: a new empty one for nil.
func OptTable(L *lua.LState, n int) *lua.LTable {
	switch t := L.Get(n).(type) {
	case *lua.LTable:
		return t
	case *lua.LNilType:
		return L.NewTable()
	}
	L.ArgError(n, "options table expected")
	return nil
}

// OptInt reads integer option k of o, def when absent.
func OptInt(L *lua.LState, o *lua.LTable, k string, def int) int {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		if float64(v) != math.Trunc(float64(v)) {
			L.RaiseError("option %s: integer expected, got %v", k, v)
		}
		return int(v)
	default:
		L.RaiseError("option %s: number expected, got %s", k, v.Type())
	}
	return def
}

// OptNum reads number option k of o, def when absent.
func OptNum(L *lua.LState, o *lua.LTable, k string, def float64) float64 {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		return float64(v)
	default:
		L.RaiseError("option %s: number expected, got %s", k, v.Type())
	}
	return def
}

// OptBool reads boolean option k of o, def when absent.
func OptBool(L *lua.LState, o *lua.LTable, k string, def bool) bool {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LBool:
		return bool(v)
	default:
		L.RaiseError("option %s: boolean expected, got %s", k, v.Type())
	}
	return def
}

// OptString reads string option k of o, def when absent.
func OptString(L *lua.LState, o *lua.LTable, k, def string) string {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LString:
		return string(v)
	default:
		L.RaiseError("option %s: string expected, got %s", k, v.Type())
	}
	return def
}

// OptByteOrder reads option byte_order ("big" or "little", default big).
func OptByteOrder(L *lua.LState, o *lua.LTable) binary.ByteOrder {
	bo, err := codecs.ParseByteOrder(OptString(L, o, "byte_order", "big"))
	if err != nil {
		L.RaiseError("option byte_order: %v", err)
	}
	return bo
}

// CheckDuration reads argument n as seconds (>= 0).
func CheckDuration(L *lua.LState, n int) time.Duration {
	secs := float64(L.CheckNumber(n))
	if secs != secs || secs < 0 {
		L.ArgError(n, "seconds must be >= 0")
	}
	return time.Duration(secs * float64(time.Second))
}

// Seconds converts Lua seconds to a duration.
func Seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
