package runtime

import (
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var globalsModule = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "_G", Doc: "Global functions netplay adds.",
		Funcs: []host.FuncDoc{
			{Name: "sleep", Suspends: true, Signature: "sleep(seconds)", Doc: "Suspends the calling coroutine (the VM keeps serving others); on a worker VM it blocks that worker.",
				Example: "local t0 = os.clock()\nsleep(0.01)\nprint('slept')"},
			{Name: "stats", Signature: "stats() -> table", Doc: "Engine-wide counters: loops, conns per loop, bytes, messages, coroutines, timers, pool.",
				Example: "local s = stats()\nassert(type(s.coroutines) == 'number')"},
		}},
	Kinds: host.All,
	Open: func(hv host.VM) *lua.LTable {
		v, L := hv.(*vm), hv.L()
		L.SetGlobal("sleep", luautil.ExactResults(L, v.sleep))
		L.SetGlobal("stats", L.NewFunction(v.stats))
		return nil
	},
}

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
