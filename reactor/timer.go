//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"sync"
	"sync/atomic"
	"time"
)

// Timer is a one-shot or periodic timer on a loop, created by
// Loop.AfterFunc or Loop.EveryFunc. Its func runs on the loop goroutine.
// Stop and Reset are safe for concurrent use.
type Timer struct {
	l      *Loop
	when   int64 // engine clock, ns
	period int64 // 0 for one-shot
	fn     func()
	index  int // position in the heap; -1 when not scheduled
}

// timerHeap is a min-heap of timers by when, guarded by mu so timers can be
// added, stopped and reset from any goroutine.
type timerHeap struct {
	mu sync.Mutex
	h  []*Timer
	n  atomic.Int64 // len(h), readable without mu
}

// AfterFunc runs fn once on the loop goroutine after at least d.
// Safe for concurrent use.
func (l *Loop) AfterFunc(d time.Duration, fn func()) *Timer {
	t := &Timer{l: l, fn: fn, index: -1}
	l.schedule(t, d)
	return t
}

// EveryFunc runs fn on the loop goroutine every d (at least 1 ms). A tick
// that comes late is not queued: missed ticks are skipped and the timer
// stays on its d grid. Safe for concurrent use.
func (l *Loop) EveryFunc(d time.Duration, fn func()) *Timer {
	if d < time.Millisecond {
		d = time.Millisecond
	}
	t := &Timer{l: l, fn: fn, index: -1, period: int64(d)}
	l.schedule(t, d)
	return t
}

func (l *Loop) schedule(t *Timer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	l.timers.mu.Lock()
	t.when = l.eng.now() + int64(d)
	l.timers.push(t)
	first := t.index == 0
	l.timers.mu.Unlock()
	if first {
		l.wakeIfPolling()
	}
}

// Stop prevents the timer from firing again. It returns true if the timer
// was scheduled, false if a one-shot timer already fired (or is firing) or
// the timer was already stopped. Safe for concurrent use.
func (t *Timer) Stop() bool {
	h := &t.l.timers
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.index < 0 {
		return false
	}
	h.remove(t.index)
	return true
}

// Reset reschedules the timer to fire after d (a periodic timer then keeps
// its period from that point). It returns true if the timer was scheduled
// before the call. Safe for concurrent use.
func (t *Timer) Reset(d time.Duration) bool {
	l := t.l
	if d < 0 {
		d = 0
	}
	l.timers.mu.Lock()
	active := t.index >= 0
	if active {
		l.timers.remove(t.index)
	}
	t.when = l.eng.now() + int64(d)
	l.timers.push(t)
	first := t.index == 0
	l.timers.mu.Unlock()
	if first {
		l.wakeIfPolling()
	}
	return active
}

// timeout returns the poll timeout in ms for the nearest timer, -1 if none.
func (h *timerHeap) timeout(now int64) int {
	if h.n.Load() == 0 {
		return -1
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.h) == 0 {
		return -1
	}
	d := h.h[0].when - now
	if d <= 0 {
		return 0
	}
	return int((d + int64(time.Millisecond) - 1) / int64(time.Millisecond))
}

// runTimers fires every due timer; periodic ones are rescheduled first, on
// their grid, skipping ticks that are already past.
func (l *Loop) runTimers() {
	h := &l.timers
	if h.n.Load() == 0 {
		return
	}
	h.mu.Lock()
	if len(h.h) == 0 {
		h.mu.Unlock()
		return
	}
	now := l.eng.now()
	for len(h.h) > 0 && h.h[0].when <= now {
		t := h.h[0]
		h.remove(0)
		if t.period > 0 {
			missed := (now - t.when) / t.period
			t.when += (missed + 1) * t.period
			h.push(t)
		}
		l.firing = append(l.firing, t)
	}
	h.mu.Unlock()
	for i, t := range l.firing {
		l.firing[i] = nil
		l.runTimer(t)
	}
	l.firing = l.firing[:0]
}

func (l *Loop) runTimer(t *Timer) {
	defer func() {
		if r := recover(); r != nil {
			t.Stop()
			l.eng.logf("reactor: loop %d: panic in timer func (timer stopped): %v", l.idx, r)
		}
	}()
	t.fn()
}

func (h *timerHeap) push(t *Timer) {
	t.index = len(h.h)
	h.h = append(h.h, t)
	h.n.Store(int64(len(h.h)))
	h.up(t.index)
}

func (h *timerHeap) remove(i int) {
	n := len(h.h) - 1
	t := h.h[i]
	if i != n {
		h.swap(i, n)
	}
	h.h[n] = nil
	h.h = h.h[:n]
	h.n.Store(int64(n))
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	t.index = -1
}

func (h *timerHeap) less(i, j int) bool { return h.h[i].when < h.h[j].when }

func (h *timerHeap) swap(i, j int) {
	h.h[i], h.h[j] = h.h[j], h.h[i]
	h.h[i].index = i
	h.h[j].index = j
}

func (h *timerHeap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *timerHeap) down(i0 int) bool {
	i, n := i0, len(h.h)
	for {
		j := 2*i + 1
		if j >= n {
			break
		}
		if j2 := j + 1; j2 < n && h.less(j2, j) {
			j = j2
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
