package core

import (
	_ "embed"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed globals.md
var docMD string

// Globals is the "_G" module: the global functions netplay adds (sleep, stats).
var Globals = host.NewModule(docMD, host.All, func(hv host.VM) *lua.LTable {
	v, L := hv.(*vm), hv.L()
	L.SetGlobal("sleep", luautil.ExactResults(L, v.sleep))
	L.SetGlobal("stats", L.NewFunction(v.stats))
	return nil
})

// sleep implements Lua sleep(seconds).
func (v *vm) sleep(L *lua.LState) int {
	d := luautil.CheckDuration(L, 1)
	if v.s == nil { // worker VM: block this worker, but stop with its context
		t := time.NewTimer(d)
		defer t.Stop()
		var done <-chan struct{}
		if ctx := L.Context(); ctx != nil {
			done = ctx.Done()
		}
		select {
		case <-t.C:
		case <-done:
			L.RaiseError("sleep: %v", L.Context().Err())
		}
		return 0
	}
	s := v.s
	return s.await(L, "sleep", func(w host.Waker) {
		s.after(d, func() { w.Wake() })
	})
}
