package core

import (
	goruntime "runtime"
	"sync/atomic"

	"github.com/netplay-lab/netplay/reactor"
)

// The inline-VM lock: Runtime.vmMu is held by whoever runs Lua on the
// script VM, the VM goroutine or a loop running one conn's events inline.

// enterFromLoop lets loop l run the script VM inline, on the loop's own
// goroutine, for a conn with queued events of its own (pending), and
// reports whether it may: only when no other goroutine runs the VM (an
// inline run never waits), the conn has nothing queued, and nothing else is
// queued but other conns' events. Those may wait: events of different conns
// have no order to keep, while the VM goroutine's wake-up takes long enough
// that, with two loops, a quarter of small requests used to queue behind
// one another's (echo at depth 1). Running inline saves the two hand-offs
// (loop to VM goroutine, and the reply back as an AsyncWrite) that dominate
// a small request's cost. On true the caller runs its Lua and then calls
// leaveFromLoop.
func (rt *Runtime) enterFromLoop(l *reactor.Loop, pending *atomic.Int32) bool {
	if !rt.vmMu.TryLock() && !rt.awaitLoop() {
		return false
	}
	if pending.Load() != 0 || !rt.q.inlineOK() {
		rt.vmMu.Unlock()
		return false
	}
	rt.onLoop.Store(l)
	return true
}

// awaitLoop tries vmMu a few more times, yielding in between, while
// another loop holds it: a loop's inline run is one read's messages (a few
// µs for small ones), where queueing costs two goroutine hand-offs. It does
// not wait for the VM goroutine, whose runs (a script's chunk, timers)
// may be long.
func (rt *Runtime) awaitLoop() bool {
	for i := 0; i < loopSpins && rt.onLoop.Load() != nil; i++ {
		goruntime.Gosched()
		if rt.vmMu.TryLock() {
			return true
		}
	}
	return false
}

// loopSpins bounds awaitLoop.
const loopSpins = 8

// leaveFromLoop ends an inline run. The VM goroutine sleeps until the timer
// it saw last or a post; it is poked when the inline run added an earlier
// timer or may have left the VM idle (so Wait callers hear of it).
func (rt *Runtime) leaveFromLoop() {
	q, s := rt.q, rt.script.s
	rt.onLoop.Store(nil)
	poke := s.keep == 0 && s.pending == 0
	if next := q.timers.next(); !next.IsZero() && (q.sleepUntil.IsZero() || next.Before(q.sleepUntil)) {
		q.sleepUntil = next
		poke = true
	}
	rt.vmMu.Unlock()
	if poke {
		q.poke()
	}
}
