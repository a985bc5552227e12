package core

import (
	"container/heap"
	"sync"
	"time"
)

// queue is the script VM's inbox: functions posted from any goroutine (loops,
// pool workers, timers, the shell) run in order on the VM goroutine, drained
// in batches. It also holds the VM's timer heap.
type queue struct {
	mu     sync.Mutex
	q      []func()
	closed bool
	wake   chan struct{}
	// others counts queued functions other than a conn's own events
	// (postConn): while any waits, no loop runs the VM inline.
	others int

	// Under the runtime's vmMu (whoever runs the script VM):
	timers      timerHeap
	idleWaiters []chan struct{}
	sleepUntil  time.Time // the timer the VM goroutine sleeps for; zero: none

	tm *time.Timer // VM goroutine only
}

func newQueue() *queue {
	return &queue{wake: make(chan struct{}, 1)}
}

// post queues fn. Safe for concurrent use; after close fn is dropped.
func (q *queue) post(fn func()) { q.postChecked(fn) }

// postChecked queues fn and reports whether it was accepted.
func (q *queue) postChecked(fn func()) bool { return q.push(fn, true) }

// postConn queues an event of one conn (open, data, close…), which only has
// to stay behind that conn's earlier events: see Runtime.enterFromLoop.
func (q *queue) postConn(fn func()) { q.push(fn, false) }

func (q *queue) push(fn func(), other bool) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.q = append(q.q, fn)
	if other {
		q.others++
	}
	first := len(q.q) == 1
	q.mu.Unlock()
	if first {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	return true
}

// take moves everything queued into buf.
func (q *queue) take(buf []func()) []func() {
	q.mu.Lock()
	buf = append(buf, q.q...)
	clear(q.q)
	q.q = q.q[:0]
	q.others = 0
	q.mu.Unlock()
	return buf
}

func (q *queue) len() int {
	q.mu.Lock()
	n := len(q.q)
	q.mu.Unlock()
	return n
}

// inlineOK reports whether the queue is open and holds nothing but other
// conns' events: a loop may then run the script VM inline for one of its
// conns without overtaking work it must follow.
func (q *queue) inlineOK() bool {
	q.mu.Lock()
	ok := q.others == 0 && !q.closed
	q.mu.Unlock()
	return ok
}

// poke wakes the VM goroutine to look again at its timers and idleness.
// Safe for concurrent use.
func (q *queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close stops accepting work; the VM goroutine drains what is queued and ends.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.poke()
}

// sleep waits for posted work, a poke or the timer due at until (zero: no
// timer). It returns false once the queue is closed and empty.
func (q *queue) sleep(until time.Time) bool {
	q.mu.Lock()
	closed, n := q.closed, len(q.q)
	q.mu.Unlock()
	if n > 0 {
		return true
	}
	if closed {
		return false
	}
	var tc <-chan time.Time
	if !until.IsZero() {
		d := time.Until(until)
		if d <= 0 {
			return true
		}
		if q.tm == nil {
			q.tm = time.NewTimer(d)
		} else {
			q.tm.Reset(d)
		}
		tc = q.tm.C
	}
	select {
	case <-q.wake:
	case <-tc:
	}
	if q.tm != nil {
		q.tm.Stop()
	}
	return true
}

func (q *queue) notifyIdle() {
	for _, ch := range q.idleWaiters {
		close(ch)
	}
	q.idleWaiters = q.idleWaiters[:0]
}

// vmTimer is one pending timer of the script VM.
type vmTimer struct {
	when  time.Time
	fn    func()
	index int // in the heap; -1 when not scheduled
}

// timerHeap is a min-heap of timers by deadline. VM goroutine only.
type timerHeap struct{ h []*vmTimer }

func (t *timerHeap) Len() int           { return len(t.h) }
func (t *timerHeap) Less(i, j int) bool { return t.h[i].when.Before(t.h[j].when) }
func (t *timerHeap) Swap(i, j int) {
	t.h[i], t.h[j] = t.h[j], t.h[i]
	t.h[i].index, t.h[j].index = i, j
}
func (t *timerHeap) Push(x any) { tm := x.(*vmTimer); tm.index = len(t.h); t.h = append(t.h, tm) }
func (t *timerHeap) Pop() any {
	n := len(t.h)
	tm := t.h[n-1]
	t.h[n-1] = nil
	t.h = t.h[:n-1]
	tm.index = -1
	return tm
}

func (t *timerHeap) len() int { return len(t.h) }

// next is the earliest deadline, or zero when no timer is pending.
func (t *timerHeap) next() time.Time {
	if len(t.h) == 0 {
		return time.Time{}
	}
	return t.h[0].when
}

func (t *timerHeap) add(tm *vmTimer) { heap.Push(t, tm) }

func (t *timerHeap) remove(tm *vmTimer) bool {
	if tm.index < 0 || tm.index >= len(t.h) || t.h[tm.index] != tm {
		return false
	}
	heap.Remove(t, tm.index)
	return true
}

// fire runs every due timer through run.
func (t *timerHeap) fire(run func(func())) {
	if len(t.h) == 0 {
		return
	}
	now := time.Now()
	for len(t.h) > 0 && !t.h[0].when.After(now) {
		tm := heap.Pop(t).(*vmTimer)
		run(tm.fn)
	}
}
