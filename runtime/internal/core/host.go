package core

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// vm implements host.VM: this file is the whole of what modules see.
var _ host.VM = (*vm)(nil)

func (v *vm) L() *lua.LState       { return v.ls }
func (v *vm) Kind() host.Kind      { return v.kind }
func (v *vm) Dir() string          { return v.dir }
func (v *vm) Conns() host.ConnHost { return v }

func (v *vm) Counters() *host.Counters { return &v.counters }

func (v *vm) Resolve(path string) (string, error) { return v.root().Resolve(path) }

func (v *vm) Await(L *lua.LState, what string, start func(w host.Waker)) int {
	return v.s.await(L, what, start)
}

func (v *vm) Call(fn *lua.LFunction, done host.Done, args ...lua.LValue) {
	v.s.spawn(fn, args, true, done)
}

func (v *vm) Call2(fn *lua.LFunction, done host.Done, a, b lua.LValue) { v.s.call2(fn, done, a, b) }

func (v *vm) Call3(fn *lua.LFunction, done host.Done, a, b, c lua.LValue) {
	v.s.call3(fn, done, a, b, c)
}

func (v *vm) CallNow(fn *lua.LFunction, arg lua.LValue) (lua.LValue, error) {
	if err := v.s.callDecode(fn, arg); err != nil {
		return lua.LNil, err
	}
	r := v.ls.Get(-1)
	v.ls.Pop(1)
	return r, nil
}

func (v *vm) Post(fn func()) { v.s.post(fn) }

func (v *vm) After(d time.Duration, fn func()) func() bool { return v.s.after(d, fn) }

func (v *vm) Done(ctx context.Context, fn func()) { v.s.watchDone(ctx, fn) }

func (v *vm) Hold() func() {
	s := v.s
	s.keep++
	held := true
	return func() {
		if held {
			held = false
			s.keep--
		}
	}
}

func (v *vm) Engine() (*reactor.Engine, error) { return v.rt.engine() }

func (v *vm) Workers() (host.Workers, error) { return v.rt.pool() }

func (v *vm) Logf(format string, args ...any) { v.rt.logf(format, args...) }

func (v *vm) LogError(e *host.ScriptError) { v.rt.logError(e) }

func (v *vm) Print(s string) { v.rt.writeOut(s) }

func (v *vm) Local(key any, mk func() any) any { return getOrMake(&v.locals, key, mk) }

func (v *vm) Shared(key any, mk func() any) any {
	v.rt.sharedMu.Lock()
	defer v.rt.sharedMu.Unlock()
	return getOrMake(&v.rt.shared, key, mk)
}

// getOrMake returns (*m)[key], made by mk and stored on first use.
func getOrMake(m *map[any]any, key any, mk func() any) any {
	if x, ok := (*m)[key]; ok {
		return x
	}
	if *m == nil {
		*m = map[any]any{}
	}
	x := mk()
	(*m)[key] = x
	return x
}

// host.ConnHost

func (v *vm) LoopVM(l *reactor.Loop) host.VM { return v.rt.loopVM(l) }
func (v *vm) OwnLoop() *reactor.Loop         { return v.loop }

func (v *vm) Enter(l *reactor.Loop, pending *atomic.Int32) bool {
	return v.kind == host.Script && v.rt.enterFromLoop(l, pending)
}

func (v *vm) Leave() { v.rt.leaveFromLoop() }

func (v *vm) RestartBudget() { v.s.budget.restart() }

func (v *vm) RunsOn(l *reactor.Loop) bool {
	if v.kind == host.Loop {
		return v.loop == l
	}
	return v.kind == host.Script && v.rt.onLoop.Load() == l
}

func (v *vm) PostConn(fn func()) {
	if v.kind != host.Script {
		v.s.post(fn)
		return
	}
	v.rt.q.postConn(fn)
}
