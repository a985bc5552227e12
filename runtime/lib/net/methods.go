package net

import (
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	lua "github.com/yuin/gopher-lua"
)

// connMethods are the conn's Lua methods but receive (backlog.go).
var connMethods = map[string]lua.LGFunction{
	"send": func(L *lua.LState) int {
		lc := checkConn(L)
		ok, why, err := lc.w.send(L, lc.cf, L.Get(2))
		if err != nil {
			L.RaiseError("send: %v", err)
		}
		return pushWrite(L, ok, why)
	},
	"write": func(L *lua.LState) int {
		lc := checkConn(L)
		ok, why := lc.w.write([]byte(L.CheckString(2)))
		return pushWrite(L, ok, why)
	},
	"close": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.w.flush()
			lc.conn.Close()
		}
		return 0
	},
	"pause": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.conn.Pause()
		}
		return 0
	},
	"resume": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.conn.Resume()
		}
		return 0
	},
	"set_codec": func(L *lua.LState) int {
		lc := checkConn(L)
		f := codec.Check(L, 2)
		if o := f.Owner(); o != nil && o != lc.v {
			L.ArgError(2, "codec.custom belongs to another VM")
		}
		lc.setFramer(f)
		return 0
	},
}

func pushWrite(L *lua.LState, ok bool, why string) int {
	L.Push(lua.LBool(ok))
	if !ok {
		L.Push(lua.LString(why))
		return 2
	}
	return 1
}
