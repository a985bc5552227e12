// Package timer is the timer Lua module: one-shot and periodic timers on
// the VM that made them, and the clocks timer.now and timer.unix.
package timer

import (
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

// Module is the timer Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "timer", Doc: "One-shot and periodic timers; callbacks run as coroutines on the VM that made them.",
		Funcs: []host.FuncDoc{
			{Name: "after", Signature: "timer.after(seconds, fn) -> t", Doc: "Calls fn once after seconds (minimum 1 ms); at most 4096 pending timers per VM.",
				Example: "local t = timer.after(0.01, function() print('fired') end)\nsleep(0.02)"},
			{Name: "every", Signature: "timer.every(seconds, fn) -> t", Doc: "Calls fn every seconds; a late or still-running tick is skipped, never queued. An error in fn stops the timer.",
				Example: "local n = 0\nlocal t\nt = timer.every(0.005, function() n = n + 1; if n == 3 then t:stop() end end)\nsleep(0.05)\nassert(n == 3)"},
			{Name: "t:stop", Signature: "t:stop() -> was_pending", Doc: "Cancels the timer; returns true if it had not fired (or was periodic) yet.",
				Example: "local t = timer.after(10, print)\nassert(t:stop() == true)\nassert(t:stop() == false)"},
			{Name: "now", Signature: "timer.now() -> seconds", Doc: "A monotonic clock in seconds (a float with sub-microsecond steps): for measuring intervals; it does not jump when the wall clock is set.",
				Example: "local t0 = timer.now()\nsleep(0.01)\nlocal dt = timer.now() - t0\nassert(dt >= 0.009 and dt < 1, dt)"},
			{Name: "unix", Signature: "timer.unix() -> seconds", Doc: "The wall clock as Unix seconds with a fraction (os.time() has whole seconds only).",
				Example: "local t = timer.unix()\nassert(math.abs(t - os.time()) <= 1)\nassert(t ~= math.floor(t) or timer.unix() ~= t)"},
		}},
	Kinds: host.Script | host.Loop,
	Open: func(v host.VM) *lua.LTable {
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
	},
}

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
	d := luautil.CheckDuration(L, 1)
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
