package runtime

import (
	lua "github.com/yuin/gopher-lua"
)

// stats implements Lua stats().
func (v *vm) stats(L *lua.LState) int {
	t := L.NewTable()
	if s := v.s; s != nil {
		t.RawSetString("coroutines", lua.LNumber(s.spawned.Load()))
		t.RawSetString("threads", lua.LNumber(s.threads.Load()))
		t.RawSetString("waiting", lua.LNumber(s.pending))
		t.RawSetString("timers", lua.LNumber(s.timers))
	}
	L.Push(t)
	return 1
}
