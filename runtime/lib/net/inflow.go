package net

import (
	"sync"
	"sync/atomic"

	"github.com/netplay-lab/netplay/runtime/host"
)

// Limits on what peers sent that waits for a VM's handlers: frames copied
// into the script VM's queue and decoded messages in a conn's backlog
// (on_message suspended, or c:receive not called yet). Past any of them the
// conn's reads are paused; they resume once the conn is below half of its
// own limits and the VM below half of its total. A read under way when a
// conn is paused still arrives, so a conn can pass its limit by one read
// (reactor ReadBufferSize, 64 KiB) or one frame, whichever is larger.
const (
	maxConnQueued     = 1 << 20  // bytes per conn
	maxConnQueuedMsgs = 1024     // frames per conn
	maxVMQueued       = 64 << 20 // bytes per VM, all its conns together
)

// inflow is one VM's account of queued inbound bytes (its host.Counters)
// and the conns paused by it. Safe for concurrent use: loops add, the VM's
// goroutine takes away.
type inflow struct {
	c       *host.Counters
	npaused atomic.Int32 // len(paused), read without mu
	mu      sync.Mutex
	paused  []*connState
}

type inflowKey struct{ c *host.Counters }

// inflowOf is v's account, made on first use.
func inflowOf(v host.VM) *inflow {
	c := v.Counters()
	return v.Shared(inflowKey{c}, func() any { return &inflow{c: c} }).(*inflow)
}

// account adds db bytes and dm frames to st's queue (negative: taken by
// the VM) and pauses or resumes the conn's reads. Any goroutine.
func (st *connState) account(db, dm int64) {
	if db == 0 && dm == 0 {
		return
	}
	in := st.in
	b, m := st.inBytes.Add(db), st.inMsgs.Add(dm)
	tot := in.c.Queued.Add(db)
	in.c.QueuedMsgs.Add(dm)
	if db > 0 || dm > 0 {
		for p := in.c.QueuedPeak.Load(); tot > p && !in.c.QueuedPeak.CompareAndSwap(p, tot); p = in.c.QueuedPeak.Load() {
		}
		if b >= maxConnQueued || m >= maxConnQueuedMsgs || tot >= maxVMQueued {
			in.pause(st)
		}
		return
	}
	if in.npaused.Load() > 0 && tot < maxVMQueued/2 {
		in.resume()
	}
}

// below reports whether st is under half of its own limits.
func (st *connState) below() bool {
	return st.inBytes.Load() < maxConnQueued/2 && st.inMsgs.Load() < maxConnQueuedMsgs/2
}

// pause stops reading st's conn. Pause and Resume are called under mu, so
// a resume cannot slip between the decision to pause and the Pause.
func (in *inflow) pause(st *connState) {
	in.mu.Lock()
	if !st.pausedIn {
		st.pausedIn = true
		in.paused = append(in.paused, st)
		in.npaused.Store(int32(len(in.paused)))
		st.conn.Pause()
	}
	in.mu.Unlock()
}

// resume restarts reading the paused conns that are below half of their
// limits (the VM's total is).
func (in *inflow) resume() {
	in.mu.Lock()
	keep := in.paused[:0]
	for _, st := range in.paused {
		if st.below() {
			st.pausedIn = false
			st.conn.Resume() // ErrClosed for a conn gone meanwhile: nothing to resume
			continue
		}
		keep = append(keep, st)
	}
	clear(in.paused[len(keep):])
	in.paused = keep
	in.npaused.Store(int32(len(keep)))
	in.mu.Unlock()
}

// forget drops st from the paused conns: its conn has closed.
func (in *inflow) forget(st *connState) {
	if in.npaused.Load() == 0 {
		return
	}
	in.mu.Lock()
	for i, p := range in.paused {
		if p == st {
			last := len(in.paused) - 1
			copy(in.paused[i:], in.paused[i+1:])
			in.paused[last] = nil
			in.paused = in.paused[:last]
			break
		}
	}
	in.npaused.Store(int32(len(in.paused)))
	st.pausedIn = false
	in.mu.Unlock()
}
