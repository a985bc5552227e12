package main

import (
	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// watchServers makes every server the script starts from a handler file
// (net.listen{handler = "file.lua"}) reload it when it changes (srv:watch):
// net.listen is wrapped, as the shell wraps it for :servers.
func watchServers(rt *runtime.Runtime) error {
	return rt.Do(func(L *lua.LState) {
		mod, ok := L.GetGlobal("net").(*lua.LTable)
		if !ok {
			return
		}
		orig := mod.RawGetString("listen")
		mod.RawSetString("listen", L.NewFunction(func(L *lua.LState) int {
			top := L.GetTop()
			L.Push(orig)
			for i := 1; i <= top; i++ {
				L.Push(L.Get(i))
			}
			L.Call(top, lua.MultRet)
			rets := L.GetTop() - top
			if opts, ok := L.Get(2).(*lua.LTable); ok && opts.RawGetString("handler") != lua.LNil {
				if srv, ok := L.Get(top + 1).(*lua.LUserData); ok {
					watch := L.GetField(srv, "watch")
					L.Push(watch)
					L.Push(srv)
					L.Call(1, 0)
				}
			}
			return rets
		}))
	})
}
