package net

import (
	"slices"
	"sync/atomic"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	lua "github.com/yuin/gopher-lua"
)

// maxScratch bounds the buffers a conn keeps between sends.
const maxScratch = 64 << 10

// pendAsk is the batch size from which its growth asks the memory cap.
const pendAsk = 1 << 20

// writer is a conn's write path. A write takes one of four routes:
//
//	batch  while deliver hands one read's messages to handlers, replies
//	       collect in pend and go out once at the end (flush);
//	held   the script VM run inline by the conn's loop leaves that batch
//	       in held, for the loop to write after it let go of the VM
//	       (another loop may be waiting for it);
//	direct the VM runs on the conn's loop: Conn.Write at once;
//	async  any other goroutine: Conn.AsyncWrite, counted in inflight until
//	       the loop's flush attempt, so a later direct write cannot
//	       overtake it.
//
// Everything but inflight and wantWritable belongs to the owner VM's
// goroutine (held: to the conn's loop during its inline run).
type writer struct {
	conn      *reactor.Conn
	ch        host.ConnHost
	counters  *host.Counters
	taps      *tapSet      // the conn's handler's taps (tap.go)
	framer    codec.Framer // describes what c:send writes, for the taps
	highWater int
	mem       *memwatch.Watchdog // the memory cap, asked as a batch grows; nil: none

	direct   bool // the VM is a loop VM of the conn's loop: write inline
	closing  bool // the reactor closed the conn: no more writes
	batching bool // c:send appends to pend (see deliver)
	pend     []byte
	// holdReplies asks flush to leave a read's replies in held. Set and
	// cleared by the conn's loop inside its inline run.
	holdReplies bool
	held        []byte
	scratch     []byte // c:send encodes here when the write copies (see send)

	// inflight counts bytes handed to AsyncWrite whose flush attempt has
	// not run yet: OutboundBuffered does not see them, and a script that
	// sends in a loop must still meet backpressure. Atomic (loop and VM).
	inflight atomic.Int64
	// wantWritable is set when c:send reported backpressure: on_writable
	// fires once when the conn drains below the low water mark. Atomic.
	wantWritable atomic.Bool
}

func (w *writer) init(highWater int) {
	w.highWater = highWater
	if highWater <= 0 {
		w.highWater = reactor.DefaultHighWater
	}
}

// onConnLoop reports whether the VM runs on the conn's loop goroutine right
// now: a loop VM of that loop always, the script VM while that loop runs it
// inline.
func (w *writer) onConnLoop() bool {
	return w.direct || (w.conn != nil && w.ch.RunsOn(w.conn.Loop()))
}

// inlineWrites reports whether a write may go straight to the conn: the VM
// is on the conn's loop and no AsyncWrite of an earlier reply is still on
// its way there (a direct write would overtake it).
func (w *writer) inlineWrites() bool {
	return w.direct || (w.onConnLoop() && w.inflight.Load() == 0)
}

// send encodes msg with cf and writes it (c:send). It encodes into the
// scratch buffer when the write copies the bytes (into the batch, or the
// reactor's buffer); an AsyncWrite owns its bytes, so it gets a new slice.
func (w *writer) send(L *lua.LState, cf codec.ConnFramer, msg lua.LValue) (ok bool, why string, err error) {
	var dst []byte
	reuse := w.batching || w.inlineWrites()
	if reuse {
		dst = w.scratch[:0]
	}
	b, err := cf.Encode(L, dst, msg)
	if err != nil {
		return false, "", err
	}
	if w.batching && len(w.pend) >= pendAsk && len(w.pend)+len(b) > cap(w.pend) {
		// A handler building a huge reply in pieces: the batch is about to
		// grow. Double it here (append's 1.25 steps would allocate several
		// times the batch in all), asking the memory cap first for the new
		// buffer and the old one it copies (garbage until the next GC); it
		// raises in L.
		grown := 2 * (len(w.pend) + len(b))
		w.mem.Check(L, "c:send", int64(grown+cap(w.pend)))
		w.pend = slices.Grow(w.pend, grown-len(w.pend))
	}
	ok, why = w.write(b)
	if reuse && cap(b) <= maxScratch {
		w.scratch = b[:0]
	}
	return ok, why, nil
}

// write sends bytes; it reports false past the high water mark.
func (w *writer) write(b []byte) (bool, string) {
	if w.conn == nil {
		return false, "not connected"
	}
	if w.closing {
		return false, "closed"
	}
	if w.taps.Active() {
		w.tapWrote(b)
	}
	over := int64(w.conn.OutboundBuffered())+w.inflight.Load()+int64(len(w.pend))+int64(len(b)) > int64(w.highWater)
	var err error
	direct := false
	switch {
	case w.batching:
		w.pend = append(w.pend, b...)
	case w.inlineWrites():
		_, err = w.conn.Write(b)
		direct = true
	default:
		err = w.asyncWrite(b)
	}
	if err != nil {
		return false, err.Error()
	}
	w.counters.MsgsOut.Add(1)
	if over {
		w.wantWritable.Store(true)
		if direct {
			w.conn.ArmWritable()
		}
		return false, "backpressure"
	}
	return true, ""
}

// flush writes the replies batched during deliver, in order.
func (w *writer) flush() {
	if len(w.pend) == 0 {
		return
	}
	b := w.pend
	if w.conn == nil || w.closing {
		w.pend = w.pend[:0]
		return
	}
	if w.inlineWrites() {
		if w.holdReplies {
			if len(w.held) == 0 {
				w.held, w.pend = b, w.held[:0]
			} else {
				w.held, w.pend = append(w.held, b...), b[:0]
			}
			return
		}
		w.writeNow(w.conn, b)
		w.pend = b[:0]
		return
	}
	w.pend = nil // AsyncWrite owns b from here
	w.asyncWrite(b)
}

// writeHeld writes what flush held back (holdReplies). The conn's loop
// goroutine, after its inline run.
func (w *writer) writeHeld(c *reactor.Conn) {
	if len(w.held) == 0 {
		return
	}
	w.writeNow(c, w.held)
	w.held = w.held[:0]
	if cap(w.held) > maxScratch {
		w.held = nil
	}
}

// writeNow writes b to c on c's loop goroutine; the reactor copies what
// the socket does not take.
func (w *writer) writeNow(c *reactor.Conn, b []byte) {
	c.Write(b)
	if w.wantWritable.Load() {
		c.ArmWritable()
	}
}

// asyncWrite hands b to the conn's loop, counting it as in flight until
// the loop's flush attempt.
func (w *writer) asyncWrite(b []byte) error {
	n := int64(len(b))
	w.inflight.Add(n)
	err := w.conn.AsyncWrite(b, func(c *reactor.Conn, _ error) {
		if w.inflight.Add(-n) == 0 && w.wantWritable.Load() {
			c.ArmWritable() // the reactor's buffer may never have crossed high water
		}
	})
	if err != nil {
		w.inflight.Add(-n)
	}
	return err
}

// writable runs on_writable once per backpressure episode. VM goroutine.
func (lc *luaConn) writable() {
	if !lc.w.wantWritable.CompareAndSwap(true, false) || lc.w.closing {
		return
	}
	if lc.cb.onWritable != nil {
		lc.v.Call(lc.cb.onWritable, lc.writableDone, lc.ud)
	}
}
