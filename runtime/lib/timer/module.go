// Package timer is the timer Lua module: one-shot and periodic timers on
// the VM that made them, and the clocks timer.now and timer.unix.
package timer

import (
	_ "embed"
	"strconv"
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
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{"stop": timerStop})
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		t := checkTimer(L)
		if key := L.CheckString(2); key == "id" {
			L.Push(lua.LNumber(t.id))
		} else {
			L.Push(luautil.MethodOf(L, methods, "timer", key))
		}
		return 1
	}))
	L.SetField(mt, luautil.MethodsField, methods)
	fields := L.NewTable()
	fields.Append(lua.LString("id"))
	L.SetField(mt, "__fields", fields)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkTimer(L).describe()))
		return 1
	}))
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"after": func(L *lua.LState) int { return newTimer(v, L, false) },
		"every": func(L *lua.LState) int { return newTimer(v, L, true) },
		"list":  func(L *lua.LState) int { return listTimers(v, L) },
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
	id      int           // 1, 2, … per VM (timer.list, the shell's :stop)
	delay   time.Duration // as given to after/every
	stopped bool          // by t:stop() or a failing callback, not by firing
	ud      *lua.LUserData
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
	t := &luaTimer{v: v, fn: fn, next: time.Now().Add(d), release: v.Hold(), delay: d}
	if periodic {
		t.period = d
	}
	n.Add(1)
	t.stopFn = v.After(d, t.fire)
	ud := L.NewUserData()
	ud.Value = t
	L.SetMetatable(ud, L.GetTypeMetatable(timerType))
	t.ud = ud
	timers(v).add(t)
	L.Push(ud)
	return 1
}

// timerList is a VM's pending timers in the order they were made
// (timer.list()); VM goroutine only.
type timerList struct {
	n       int
	pending []*luaTimer
}

type timerListKey struct{}

func timers(v host.VM) *timerList {
	return v.Local(timerListKey{}, func() any { return &timerList{} }).(*timerList)
}

func (l *timerList) add(t *luaTimer) {
	l.n++
	t.id = l.n
	l.pending = append(l.pending, t)
}

func (l *timerList) remove(t *luaTimer) {
	for i, x := range l.pending {
		if x == t {
			l.pending = append(l.pending[:i], l.pending[i+1:]...)
			return
		}
	}
}

// listTimers is timer.list(): the VM's timers that are still pending.
func listTimers(v host.VM, L *lua.LState) int {
	l := timers(v)
	out := L.CreateTable(len(l.pending), 0)
	for _, t := range l.pending {
		out.Append(t.ud)
	}
	L.Push(out)
	return 1
}

func checkTimer(L *lua.LState) *luaTimer { return luautil.CheckUserData[*luaTimer](L, 1, "timer") }

// describe is the timer's live state for tostring: "timer 2 every 0.5s
// (next in 0.21s)", "timer 3 after 5s (due in 3.2s)", "(fired)",
// "(stopped)".
func (t *luaTimer) describe() string {
	kind := "after "
	if t.period > 0 {
		kind = "every "
	}
	state := "fired"
	switch {
	case t.stopped:
		state = "stopped"
	case t.active():
		left := time.Until(t.next).Seconds()
		if left < 0 {
			left = 0
		}
		if t.period > 0 {
			state = "next in " + strconv.FormatFloat(left, 'f', 2, 64) + "s"
		} else {
			state = "due in " + strconv.FormatFloat(left, 'f', 2, 64) + "s"
		}
	}
	return "timer " + strconv.Itoa(t.id) + " " + kind + strconv.FormatFloat(t.delay.Seconds(), 'g', -1, 64) + "s (" + state + ")"
}

func (t *luaTimer) active() bool { return t.release != nil }

// done marks the timer no longer pending.
func (t *luaTimer) done() {
	if t.release != nil {
		t.release()
		t.release = nil
		t.v.Counters().Timers.Add(-1)
		timers(t.v).remove(t)
	}
}

// logCallbackError logs a one-shot timer's error with its frame named.
func logCallbackError(v host.VM) host.Done {
	return func(_ []lua.LValue, e *host.ScriptError) {
		if e != nil {
			e.Traceback = luautil.NameCallback(e.Traceback, "timer callback")
			v.LogError(e)
		}
	}
}

func (t *luaTimer) fire() {
	if !t.active() {
		return
	}
	v := t.v
	if t.period == 0 {
		t.done()
		v.Call(t.fn, logCallbackError(v))
		return
	}
	if !t.running {
		t.running = true
		v.Call(t.fn, func(_ []lua.LValue, e *host.ScriptError) {
			t.running = false
			if e != nil {
				e.Traceback = luautil.NameCallback(e.Traceback, "timer callback")
				v.LogError(e)
				if t.active() {
					t.stopFn()
					t.stopped = true
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
	t := checkTimer(L)
	was := t.active()
	if was {
		t.stopFn()
		t.stopped = true
		t.done()
	}
	L.Push(lua.LBool(was))
	return 1
}
