package context

import (
	"context"
	_ "embed"
	"math"
	"strconv"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the context Lua module.
var Module = host.NewModule(docMD, host.Script|host.Loop, func(v host.VM) *lua.LTable {
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
		} else if dl, ok := ctx.Deadline(); ok {
			s += " (deadline in " + strconv.FormatFloat(time.Until(dl).Seconds(), 'f', 2, 64) + "s)"
		} else {
			s += " (active)"
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
})

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

// optParentCtx reads the parent context argument: absent means
// background, but an explicit nil is refused: a forgotten parent (a nil
// variable) would silently make a root context.
func optParentCtx(L *lua.LState, n int) context.Context {
	if L.GetTop() < n {
		return context.Background()
	}
	if L.Get(n) == lua.LNil {
		L.ArgError(n, "parent context expected, got nil (use context.background() for a root)")
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
