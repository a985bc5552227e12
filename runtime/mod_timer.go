package runtime

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Timer limits (brief's limits table).
const (
	maxTimersPerVM = 4096
	minTimerPeriod = time.Millisecond
)

var timerModule = &module{
	ModuleDoc: ModuleDoc{Name: "timer", Doc: "One-shot and periodic timers; callbacks run as coroutines on the VM that made them.",
		Funcs: []FuncDoc{
			{Name: "after", Signature: "timer.after(seconds, fn) -> t", Doc: "Calls fn once after seconds (minimum 1 ms); at most 4096 pending timers per VM.",
				Example: "local t = timer.after(0.01, function() print('fired') end)\nsleep(0.02)"},
			{Name: "every", Signature: "timer.every(seconds, fn) -> t", Doc: "Calls fn every seconds; a late or still-running tick is skipped, never queued. An error in fn stops the timer.",
				Example: "local n = 0\nlocal t\nt = timer.every(0.005, function() n = n + 1; if n == 3 then t:stop() end end)\nsleep(0.05)\nassert(n == 3)"},
			{Name: "t:stop", Signature: "t:stop() -> was_pending", Doc: "Cancels the timer; returns true if it had not fired (or was periodic) yet.",
				Example: "local t = timer.after(10, print)\nassert(t:stop() == true)\nassert(t:stop() == false)"},
		}},
	kinds: kindScript | kindLoop,
	open: func(v *vm, L *lua.LState) *lua.LTable {
		mt := L.NewTypeMetatable("netplay.timer")
		L.SetField(mt, "__index", strictMethods(L, L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"stop": timerStop}), "timer"))
		L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("timer"))
			return 1
		}))
		return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"after": func(L *lua.LState) int { return v.s.newTimer(L, false) },
			"every": func(L *lua.LState) int { return v.s.newTimer(L, true) },
		})
	},
}

// luaTimer is a timer created by Lua. VM goroutine only.
type luaTimer struct {
	s       *sched
	fn      *lua.LFunction
	period  time.Duration // 0 for one-shot
	next    time.Time
	stopFn  func() bool
	active  bool
	running bool
}

func checkDuration(L *lua.LState, n int) time.Duration {
	secs := float64(L.CheckNumber(n))
	if secs != secs || secs < 0 {
		L.ArgError(n, "seconds must be >= 0")
	}
	return time.Duration(secs * float64(time.Second))
}

func (s *sched) newTimer(L *lua.LState, periodic bool) int {
	d := checkDuration(L, 1)
	fn := L.CheckFunction(2)
	if d < minTimerPeriod {
		d = minTimerPeriod
	}
	if s.timers >= maxTimersPerVM {
		L.RaiseError("timer: too many pending timers (max %d per VM)", maxTimersPerVM)
	}
	t := &luaTimer{s: s, fn: fn, active: true, next: time.Now().Add(d)}
	if periodic {
		t.period = d
	}
	s.timers++
	s.keep++
	t.stopFn = s.after(d, t.fire)
	ud := L.NewUserData()
	ud.Value = t
	L.SetMetatable(ud, L.GetTypeMetatable("netplay.timer"))
	L.Push(ud)
	return 1
}

func (t *luaTimer) release() {
	if t.active {
		t.active = false
		t.s.timers--
		t.s.keep--
	}
}

func (t *luaTimer) fire() {
	if !t.active {
		return
	}
	s := t.s
	if t.period == 0 {
		t.release()
		s.call(t.fn, nil)
		return
	}
	if !t.running {
		t.running = true
		s.call(t.fn, func(_ []lua.LValue, e *ScriptError) {
			t.running = false
			if e != nil {
				s.logErr(e)
				if t.active {
					t.stopFn()
					t.release()
				}
			}
		})
	}
	if !t.active {
		return
	}
	now := time.Now()
	t.next = t.next.Add(t.period)
	if t.next.Before(now) {
		t.next = now.Add(t.period)
	}
	t.stopFn = s.after(t.next.Sub(now), t.fire)
}

func timerStop(L *lua.LState) int {
	ud := L.CheckUserData(1)
	t, ok := ud.Value.(*luaTimer)
	if !ok {
		L.ArgError(1, "timer expected")
	}
	was := t.active
	if was {
		t.stopFn()
		t.release()
	}
	L.Push(lua.LBool(was))
	return 1
}
