// Package timer is the timer Lua module: one-shot and periodic timers on
// the VM that made them, and the clocks timer.now and timer.unix.
package timer

import (
	_ "embed"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// Timer limits (brief's limits table).
const (
	maxTimersPerVM = 4096
	minTimerPeriod = time.Millisecond
)

const timerType = "netplay.timer"

// epoch is timer.now's zero: a monotonic reading taken at start-up.
var epoch = time.Now()

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the timer Lua module.
var Module = host.NewModule(docMD, host.Script|host.Loop, func(v host.VM) *lua.LTable {
	L := v.L()
	mt := L.NewTypeMetatable(timerType)
	L.SetField(mt, "__index", luautil.StrictMethods(L, L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"stop": timerStop}), "timer"))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("timer"))
		return 1
	}))
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"after": func(L *lua.LState) int { return newTimer(v, L, false) },
		"every": func(L *lua.LState) int { return newTimer(v, L, true) },
		"now": func(L *lua.LState) int {
			L.Push(lua.LNumber(time.Since(epoch).Seconds()))
			return 1
		},
		"unix": func(L *lua.LState) int {
			L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
			return 1
		},
	})
})

// luaTimer is a timer created by Lua. VM goroutine only.
type luaTimer struct {
	v       host.VM
	fn      *lua.LFunction
	period  time.Duration // 0 for one-shot
	next    time.Time
	stopFn  func() bool
	release func() // lets the script end; nil once stopped or fired
	running bool
}

func newTimer(v host.VM, L *lua.LState, periodic bool) int {
	var d time.Duration
	if periodic { // a period of 0 would fire on every round of the VM
		d = luautil.CheckSecondsIn(L, "timer.every", 1, "period", minTimerPeriod.Seconds(), luautil.MaxSeconds)
	} else {
		d = luautil.CheckSecondsIn(L, "timer.after", 1, "delay", 0, luautil.MaxSeconds)
	}
	fn := L.CheckFunction(2)
	if d < minTimerPeriod {
		d = minTimerPeriod
	}
	n := &v.Counters().Timers
	if n.Load() >= maxTimersPerVM {
		L.RaiseError("timer: too many pending timers (max %d per VM)", maxTimersPerVM)
	}
	t := &luaTimer{v: v, fn: fn, next: time.Now().Add(d), release: v.Hold()}
	if periodic {
		t.period = d
	}
	n.Add(1)
	t.stopFn = v.After(d, t.fire)
	ud := L.NewUserData()
	ud.Value = t
	L.SetMetatable(ud, L.GetTypeMetatable(timerType))
	L.Push(ud)
	return 1
}

func (t *luaTimer) active() bool { return t.release != nil }

// done marks the timer no longer pending.
func (t *luaTimer) done() {
	if t.release != nil {
		t.release()
		t.release = nil
		t.v.Counters().Timers.Add(-1)
	}
}

func (t *luaTimer) fire() {
	if !t.active() {
		return
	}
	v := t.v
	if t.period == 0 {
		t.done()
		v.Call(t.fn, nil)
		return
	}
	if !t.running {
		t.running = true
		v.Call(t.fn, func(_ []lua.LValue, e *host.ScriptError) {
			t.running = false
			if e != nil {
				v.LogError(e)
				if t.active() {
					t.stopFn()
					t.done()
				}
			}
		})
	}
	if !t.active() {
		return
	}
	now := time.Now()
	t.next = t.next.Add(t.period)
	if t.next.Before(now) {
		t.next = now.Add(t.period)
	}
	t.stopFn = v.After(t.next.Sub(now), t.fire)
}

func timerStop(L *lua.LState) int {
	ud := L.CheckUserData(1)
	t, ok := ud.Value.(*luaTimer)
	if !ok {
		L.ArgError(1, "timer expected")
	}
	was := t.active()
	if was {
		t.stopFn()
		t.done()
	}
	L.Push(lua.LBool(was))
	return 1
}
