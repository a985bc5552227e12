package core

import (
	_ "embed"
	"strings"
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
	L.SetGlobal("sleep", luautil.NamedExactResults(L, "sleep", v.sleep))
	L.SetGlobal("stats", L.NewFunction(v.stats))
	L.SetGlobal("pp", L.NewFunction(v.pp))
	if hv.Kind() != host.Worker { // worker VMs have no scheduler to start coroutines on
		L.SetGlobal("go", L.NewFunction(v.goSpawn))
	}
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

// pp implements pp(v, …): each value pretty-printed (luautil.Pretty) on a
// line of its own, in one write.
func (v *vm) pp(L *lua.LState) int {
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		b.WriteString(luautil.Pretty(L, L.Get(i)))
		b.WriteByte('\n')
	}
	if L.GetTop() == 0 {
		b.WriteString("nil\n")
	}
	v.rt.writeOut(b.String())
	return 0
}

// goSpawn implements go(fn, …): fn(…) starts as a coroutine of its own
// under the per-callback budget, after the caller yields or returns; an
// error in it is logged with its traceback.
func (v *vm) goSpawn(L *lua.LState) int {
	fn := L.CheckFunction(1)
	args := make([]lua.LValue, 0, L.GetTop()-1)
	for i := 2; i <= L.GetTop(); i++ {
		args = append(args, L.Get(i))
	}
	release := v.Hold() // the script lives until the coroutine ends
	v.Post(func() {
		v.Call(fn, func(_ []lua.LValue, e *host.ScriptError) {
			release()
			if e != nil {
				v.LogError(e)
			}
		}, args...)
	})
	return 0
}
