package core

import (
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
)

// loopVM returns the VM of loop l, creating it on first use. It is called on
// l's goroutine, which is the only goroutine that ever runs that VM.
func (rt *Runtime) loopVM(l *reactor.Loop) host.VM {
	rt.lazy.mu.Lock()
	defer rt.lazy.mu.Unlock()
	if v := rt.lazy.loopVMs[l]; v != nil {
		return v
	}
	v := newVM(rt, host.Loop)
	v.loop = l
	v.dir = rt.scriptDir()
	v.s = newSched(v, newBudget(rt.budgetLimit(), rt.wd), func(fn func()) {
		// Unbounded: each post is one wake-up of a coroutine that waits,
		// which a full task queue must not drop.
		l.ExecuteUnbounded(func() { rt.safely(fn) })
	})
	v.s.after = func(d time.Duration, fn func()) func() bool {
		return l.AfterFunc(d, func() { rt.safely(fn) }).Stop
	}
	if rt.lazy.loopVMs == nil {
		rt.lazy.loopVMs = map[*reactor.Loop]*vm{}
	}
	rt.lazy.loopVMs[l] = v
	return v
}
