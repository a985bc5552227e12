package context

import (
	"context"
	"math"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// Module is the context Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "context", Doc: "Go's context package: cancellation and deadlines that flow from a parent to its children, never upward.",
		Funcs: []host.FuncDoc{
			{Name: "background", Signature: "context.background() -> ctx", Doc: "The root context: never cancelled, no deadline, no values.",
				Example: "local ctx = context.background()\nassert(ctx:err() == nil)"},
			{Name: "with_cancel", Signature: "context.with_cancel(parent) -> ctx, cancel", Doc: "A child cancelled by cancel() or when parent is; cancelling it does not touch the parent.",
				Example: "local parent, cancel_parent = context.with_cancel(context.background())\nlocal child, cancel_child = context.with_cancel(parent)\ncancel_child()\nassert(parent:err() == nil)\ncancel_parent()"},
			{Name: "with_timeout", Signature: "context.with_timeout(parent, seconds) -> ctx, cancel", Doc: "A child cancelled after seconds with \"context deadline exceeded\".",
				Example: "local ctx = context.with_timeout(context.background(), 0.01)\nassert(ctx:wait() == 'context deadline exceeded')"},
			{Name: "with_deadline", Signature: "context.with_deadline(parent, unix_seconds) -> ctx, cancel", Doc: "A child cancelled at an absolute time (os.time() scale, fractions allowed).",
				Example: "local ctx, cancel = context.with_deadline(context.background(), os.time() + 60)\nassert(ctx:deadline() > os.time())\ncancel()"},
			{Name: "with_value", Signature: "context.with_value(parent, key, value) -> ctx", Doc: "A child carrying key=value; ctx:value(key) looks it up through the chain.",
				Example: "local a = context.with_value(context.background(), 'user', 'ada')\nlocal b = context.with_cancel(a)\nassert(b:value('user') == 'ada')"},
			{Name: "ctx:done", Signature: "ctx:done() -> bool", Doc: "True once ctx is cancelled or past its deadline.",
				Example: "local ctx, cancel = context.with_cancel(context.background())\ncancel()\nassert(ctx:done())"},
			{Name: "ctx:err", Signature: "ctx:err() -> nil | \"context canceled\" | \"context deadline exceeded\"", Doc: "Why ctx is done, or nil.",
				Example: "local ctx, cancel = context.with_cancel(context.background())\ncancel()\nassert(ctx:err() == 'context canceled')"},
			{Name: "ctx:value", Signature: "ctx:value(key) -> value | nil", Doc: "The value for key from the nearest with_value in the chain.",
				Example: "local ctx = context.with_value(context.background(), 'k', 42)\nassert(ctx:value('k') == 42 and ctx:value('x') == nil)"},
			{Name: "ctx:deadline", Signature: "ctx:deadline() -> unix_seconds | nil", Doc: "The deadline as Unix seconds (fractional), or nil.",
				Example: "assert(context.background():deadline() == nil)"},
			{Name: "ctx:on_done", Signature: "ctx:on_done(fn)", Doc: "Calls fn(err) on this VM once ctx is done; a ctx with a deadline keeps the script alive until then, a cancel-only ctx does not.",
				Example: "local ctx, cancel = context.with_cancel(context.background())\nlocal got\nctx:on_done(function(err) got = err end)\ncancel()\nsleep(0.01)\nassert(got == 'context canceled')"},
			{Name: "ctx:wait", Suspends: true, Signature: "ctx:wait() -> err", Doc: "Suspends the coroutine until ctx is done; returns ctx:err().",
				Example: "local ctx = context.with_timeout(context.background(), 0.005)\nprint(ctx:wait())"},
		}},
	Kinds: host.Script | host.Loop,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		mt := L.NewTypeMetatable(ctxType)
		L.SetField(mt, "__index", luautil.StrictMethods(L, L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"done": func(L *lua.LState) int {
				L.Push(lua.LBool(Check(L, 1).Err() != nil))
				return 1
			},
			"err": func(L *lua.LState) int {
				L.Push(ctxErr(Check(L, 1)))
				return 1
			},
			"value": func(L *lua.LState) int {
				ctx := Check(L, 1)
				if val, ok := ctx.Value(ctxKey{L.CheckAny(2)}).(lua.LValue); ok {
					L.Push(val)
				} else {
					L.Push(lua.LNil)
				}
				return 1
			},
			"deadline": func(L *lua.LState) int {
				if d, ok := Check(L, 1).Deadline(); ok {
					L.Push(lua.LNumber(float64(d.UnixNano()) / 1e9))
				} else {
					L.Push(lua.LNil)
				}
				return 1
			},
			"on_done": func(L *lua.LState) int {
				ctx := Check(L, 1)
				fn := L.CheckFunction(2)
				v.Done(ctx, func() { v.Call(fn, nil, ctxErr(ctx)) })
				return 0
			},
			"wait": func(L *lua.LState) int {
				ctx := Check(L, 1)
				if ctx.Err() != nil {
					L.Push(ctxErr(ctx))
					return 1
				}
				return v.Await(L, "ctx:wait", func(w host.Waker) {
					context.AfterFunc(ctx, func() { w.Wake(ctxErr(ctx)) })
				})
			},
		}), "context"))
		L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
			ctx := Check(L, 1)
			s := "context"
			if err := ctx.Err(); err != nil {
				s += " (" + err.Error() + ")"
			}
			L.Push(lua.LString(s))
			return 1
		}))
		return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"background": func(L *lua.LState) int {
				L.Push(New(L, context.Background()))
				return 1
			},
			"with_cancel": func(L *lua.LState) int {
				ctx, cancel := context.WithCancel(optParentCtx(L, 1))
				return pushCtxCancel(L, ctx, cancel)
			},
			"with_timeout": func(L *lua.LState) int {
				parent := optParentCtx(L, 1)
				ctx, cancel := context.WithTimeout(parent, luautil.CheckDuration(L, 2))
				return pushCtxCancel(L, ctx, cancel)
			},
			"with_deadline": func(L *lua.LState) int {
				parent := optParentCtx(L, 1)
				secs := float64(L.CheckNumber(2))
				whole, frac := math.Modf(secs)
				ctx, cancel := context.WithDeadline(parent, time.Unix(int64(whole), int64(frac*1e9)))
				return pushCtxCancel(L, ctx, cancel)
			},
			"with_value": func(L *lua.LState) int {
				parent := optParentCtx(L, 1)
				key := L.CheckAny(2)
				if key == lua.LNil {
					L.ArgError(2, "key must not be nil")
				}
				L.Push(New(L, context.WithValue(parent, ctxKey{key}, L.Get(3))))
				return 1
			},
		})
	},
}

const ctxType = "netplay.context"

// ctxKey keys Lua values stored with context.with_value, so they never
// collide with Go packages' keys.
type ctxKey struct{ v lua.LValue }

// New wraps a Go context as a Lua value.
func New(L *lua.LState, ctx context.Context) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = ctx
	L.SetMetatable(ud, L.GetTypeMetatable(ctxType))
	return ud
}

// Check returns argument n as a Go context.
func Check(L *lua.LState, n int) context.Context {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if ctx, ok := ud.Value.(context.Context); ok {
			return ctx
		}
	}
	L.ArgError(n, "context expected")
	return nil
}

// optParentCtx reads a parent context; nil means background.
func optParentCtx(L *lua.LState, n int) context.Context {
	if L.Get(n) == lua.LNil {
		return context.Background()
	}
	return Check(L, n)
}

// Is reports whether v is a context value.
func Is(v lua.LValue) bool {
	if ud, ok := v.(*lua.LUserData); ok {
		_, ok := ud.Value.(context.Context)
		return ok
	}
	return false
}

func ctxErr(ctx context.Context) lua.LValue {
	if err := ctx.Err(); err != nil {
		return lua.LString(err.Error())
	}
	return lua.LNil
}

func pushCtxCancel(L *lua.LState, ctx context.Context, cancel context.CancelFunc) int {
	L.Push(New(L, ctx))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		cancel()
		return 0
	}))
	return 2
}
