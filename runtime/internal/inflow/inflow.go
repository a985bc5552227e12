// Package inflow bounds what peers sent that waits for a VM's handlers:
// each conn counts the bytes and messages its loop handed towards a VM
// and the VM has not taken yet, each VM their total (host.Counters), and
// past a limit the conn's reads are paused until it is below half of its
// own limits and the VM below half of its total. net.listen, http.listen
// and ws.listen conns share one account per VM, so a VM's total counts
// them all and any of them going down resumes the others.
package inflow

import (
	"sync"
	"sync/atomic"

	"github.com/netplay-lab/netplay/runtime/host"
)

// The limits. A read under way when a conn is paused still arrives, so a
// conn can pass its limit by one read (reactor ReadBufferSize, 64 KiB) or
// one message, whichever is larger.
const (
	MaxConnBytes = 1 << 20  // bytes per conn
	MaxConnMsgs  = 1024     // messages per conn
	MaxVMBytes   = 64 << 20 // bytes per VM, all its conns together
)

// Pauser is what an account pauses: a *reactor.Conn (Pause and Resume
// safe from any goroutine).
type Pauser interface {
	Pause() error
	Resume() error
}

// VM is one VM's account of queued inbound bytes (its host.Counters) and
// the conns paused by it. Safe for concurrent use: loops add, the VM's
// goroutine takes away.
type VM struct {
	c       *host.Counters
	npaused atomic.Int32 // len(paused), read without mu
	mu      sync.Mutex
	paused  []*Conn
}

type key struct{ c *host.Counters }

// Of is v's account, made on first use.
func Of(v host.VM) *VM {
	c := v.Counters()
	return v.Shared(key{c}, func() any { return &VM{c: c} }).(*VM)
}

// Conn is one conn's account. The zero value counts nothing; Init it.
type Conn struct {
	vm          *VM
	rc          Pauser
	bytes, msgs atomic.Int64
	paused      bool // reads paused by Add; under vm.mu
}

// Init ties c to its VM's account and the conn whose reads it pauses.
func (c *Conn) Init(vm *VM, rc Pauser) { c.vm, c.rc = vm, rc }

// Bytes is what c has queued now.
func (c *Conn) Bytes() int64 { return c.bytes.Load() }

// Msgs is the messages c has queued now.
func (c *Conn) Msgs() int64 { return c.msgs.Load() }

// Add adds db bytes and dm messages to c's queue (negative: taken by the
// VM) and pauses or resumes the conn's reads. Any goroutine.
func (c *Conn) Add(db, dm int64) {
	if (db == 0 && dm == 0) || c.vm == nil {
		return
	}
	in := c.vm
	b, m := c.bytes.Add(db), c.msgs.Add(dm)
	tot := in.c.Queued.Add(db)
	in.c.QueuedMsgs.Add(dm)
	if db > 0 || dm > 0 {
		for p := in.c.QueuedPeak.Load(); tot > p && !in.c.QueuedPeak.CompareAndSwap(p, tot); p = in.c.QueuedPeak.Load() {
		}
		if b >= MaxConnBytes || m >= MaxConnMsgs || tot >= MaxVMBytes {
			in.pause(c)
		}
		return
	}
	if in.npaused.Load() > 0 && tot < MaxVMBytes/2 {
		in.resume()
	}
}

// below reports whether c is under half of its own limits.
func (c *Conn) below() bool {
	return c.bytes.Load() < MaxConnBytes/2 && c.msgs.Load() < MaxConnMsgs/2
}

// pause stops reading c's conn. Pause and Resume are called under mu, so
// a resume cannot slip between the decision to pause and the Pause.
func (in *VM) pause(c *Conn) {
	in.mu.Lock()
	if !c.paused {
		c.paused = true
		in.paused = append(in.paused, c)
		in.npaused.Store(int32(len(in.paused)))
		c.rc.Pause()
	}
	in.mu.Unlock()
}

// resume restarts reading the paused conns that are below half of their
// limits (the VM's total is).
func (in *VM) resume() {
	in.mu.Lock()
	keep := in.paused[:0]
	for _, c := range in.paused {
		if c.below() {
			c.paused = false
			c.rc.Resume() // ErrClosed for a conn gone meanwhile: nothing to resume
			continue
		}
		keep = append(keep, c)
	}
	clear(in.paused[len(keep):])
	in.paused = keep
	in.npaused.Store(int32(len(keep)))
	in.mu.Unlock()
}

// Forget drops c from the paused conns: its conn has closed. What it
// still counts stays counted until taken away with Add.
func (c *Conn) Forget() {
	in := c.vm
	if in == nil || in.npaused.Load() == 0 {
		return
	}
	in.mu.Lock()
	for i, p := range in.paused {
		if p == c {
			last := len(in.paused) - 1
			copy(in.paused[i:], in.paused[i+1:])
			in.paused[last] = nil
			in.paused = in.paused[:last]
			break
		}
	}
	in.npaused.Store(int32(len(in.paused)))
	c.paused = false
	in.mu.Unlock()
}
