// Package pool is the pool Lua module: functions run on worker VMs off
// the loops, for blocking or CPU-heavy work (host.Workers).
package pool

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the pool Lua module.
var Module = host.NewModule(docMD, host.Script|host.Loop, func(v host.VM) *lua.LTable {
	L := v.L()
	raw := L.NewFunction(func(L *lua.LState) int { return poolRun(v, L) })
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"submit": func(L *lua.LState) int { return poolSubmit(v, L) },
		"stats":  func(L *lua.LState) int { return poolStats(v, L) },
	})
	// run raises the worker's error in the caller after the resume.
	fn, err := L.Load(strings.NewReader(`local raw = ...
return function(...)
  local r = {raw(...)}
  if not r[1] then error(r[2], 0) end
  return unpack(r, 2, r.n or table.maxn(r))
end`), "netplay.pool")
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	L.Push(raw)
	L.Call(1, 1)
	t.RawSetString("run", L.Get(-1))
	L.Pop(1)
	return t
})

// poolArgs reads [ctx,] fn, … into a job.
func poolArgs(L *lua.LState, what string) *host.Job {
	i := 1
	ctx := context.Background()
	if luactx.Is(L.Get(1)) {
		ctx = luactx.Check(L, 1)
		i = 2
	}
	fn := L.CheckFunction(i)
	if fn.IsG {
		L.ArgError(i, what+": a Lua function expected (Go builtins cannot be sent to a worker)")
	}
	if n := len(fn.Upvalues); n > 0 {
		names := fn.Proto.DbgUpvalues
		L.ArgError(i, fmt.Sprintf("%s: the function uses upvalues (%s); pass them as arguments or use globals", what, strings.Join(names, ", ")))
	}
	vals := make([]lua.LValue, 0, L.GetTop()-i)
	for k := i + 1; k <= L.GetTop(); k++ {
		vals = append(vals, L.Get(k))
	}
	args, err := luautil.CopyValues(vals, what+" argument")
	if err != nil {
		L.RaiseError("%v", err)
	}
	return &host.Job{Ctx: ctx, Proto: fn.Proto, Args: args}
}

// poolRun implements the raw pool.run: it returns true, results… or false, err.
func poolRun(v host.VM, L *lua.LState) int {
	j := poolArgs(L, "pool.run")
	p, err := v.Workers()
	if err != nil {
		L.RaiseError("%v", err)
	}
	return v.Await(L, "pool.run", func(w host.Waker) {
		j.Done = func(rets []lua.LValue, err error) {
			if err != nil {
				w.Wake(lua.LFalse, lua.LString(err.Error()))
				return
			}
			w.Wake(append([]lua.LValue{lua.LTrue}, rets...)...)
		}
		if err := p.Submit(j); err != nil {
			j.Done(nil, err)
		}
	})
}

func poolSubmit(v host.VM, L *lua.LState) int {
	j := poolArgs(L, "pool.submit")
	p, err := v.Workers()
	if err != nil {
		L.RaiseError("%v", err)
	}
	release := v.Hold() // a submitted job keeps the process alive until it ends
	j.Done = func(_ []lua.LValue, err error) {
		v.Post(release)
		if err != nil && err != context.Canceled && err != context.DeadlineExceeded {
			v.LogError(&host.ScriptError{Msg: err.Error()})
		}
	}
	if err := p.Submit(j); err != nil {
		release()
		L.Push(lua.LFalse)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func poolStats(v host.VM, L *lua.LState) int {
	p, err := v.Workers()
	if err != nil {
		L.RaiseError("%v", err)
	}
	L.Push(p.Stats().Table(L))
	return 1
}
