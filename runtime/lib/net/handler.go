package net

import (
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/inflow"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
)

// connState is what a loop keeps per conn (reactor.Conn.Context): the
// splitter runs on the loop; lc belongs to the owner VM's goroutine.
type connState struct {
	h     *netHandler
	v     host.VM
	ch    host.ConnHost
	own   *reactor.Loop // the loop v runs on when v is a loop VM, else nil
	split codecs.Codec  // nil: the bytes go to the VM as read (codec.custom)
	lc    *luaConn

	// idle_timeout, loop goroutine only
	lastRead  time.Time
	idleTimer *reactor.Timer

	frames [][]byte   // reused by OnTraffic when the VM runs inline
	tap    tapConn    // the traffic tap's view of the conn (tap.go)
	frame  frameState // frame_timeout and a farewell reply (limits.go)

	// queued counts this conn's events waiting in the script VM's queue;
	// while any waits, its later events queue behind them.
	queued atomic.Int32

	// What the peer sent that waits for the VM: frames in the VM's queue
	// plus messages in the conn's backlog (inflow.go). Any goroutine.
	conn *reactor.Conn
	in   inflow.Conn
}

// errIdle closes a conn that read nothing for idle_timeout.
var errIdle = errors.New("idle_timeout")

// armIdle closes c once it has read nothing for h.idle. Loop goroutine.
func (st *connState) armIdle(c *reactor.Conn, d time.Duration) {
	st.idleTimer = c.Loop().AfterFunc(d, func() {
		quiet := time.Since(st.lastRead)
		if quiet >= st.h.idle {
			c.CloseWithError(errIdle)
			return
		}
		st.armIdle(c, st.h.idle-quiet)
	})
}

// netHandler connects a listener (or one dialed conn) to Lua. Its reactor
// callbacks run on loop goroutines; they split frames in Go and hand them
// to the VM that owns the conn: inline when that VM can run here, else
// through its queue.
type netHandler struct {
	reactor.BaseHandler
	v         host.VM // the VM that called net.listen or net.dial
	loopMode  bool
	handler   string       // loop mode: handler file or module
	framer    codec.Framer // script mode, or the default in loop mode
	cb        callbacks    // script mode
	dial      *luaConn     // a dialed conn, created before it opens
	srv       *luaServer
	trace     bool   // trace = true: a tap printing all traffic (initTrace)
	taps      tapSet // net.tap, :tap, trace (tap.go)
	traces    traces // the trace taps on now: trace = true and the shell's :trace (trace.go)
	highWater int
	idle      time.Duration // idle_timeout; 0: none
	// frameTimeout bounds a started frame (limits.go); 0: none.
	frameTimeout time.Duration
}

// run executes fn on st's VM: inline when that VM lives on this loop or is
// the script VM and free (enter), else through the VM's queue.
func (st *connState) run(c *reactor.Conn, fn func()) {
	if st.enter(c) {
		safely(st.v, fn)
		st.leave(c)
		return
	}
	st.post(fn)
}

// post queues fn, an event of this conn, for its VM.
func (st *connState) post(fn func()) {
	st.queued.Add(1)
	st.ch.PostConn(func() {
		st.queued.Add(-1)
		fn()
	})
}

// enter reports whether st's VM can run here and now, on c's loop: a loop
// VM of this loop always can, the script VM when no one else runs it
// (host.ConnHost.Enter). On true, leave must follow.
func (st *connState) enter(c *reactor.Conn) bool {
	return st.own == c.Loop() || st.ch.Enter(c.Loop(), &st.queued)
}

func (st *connState) leave(c *reactor.Conn) {
	if st.own != c.Loop() {
		st.ch.Leave()
	}
}

// safely runs fn and turns a Go panic into a logged error: a module bug
// must not take a loop down.
func safely(v host.VM, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			v.Logf("recovered panic: %v", r)
		}
	}()
	fn()
}

// newState picks the conn's VM, handlers and framer. Loop goroutine.
func (h *netHandler) newState(c *reactor.Conn) (*connState, codec.Framer, callbacks, error) {
	st := &connState{h: h}
	f, cb := h.framer, h.cb
	switch {
	case h.loopMode:
		v := h.v.Conns().LoopVM(c.Loop())
		lh, err := loopHandler(v, h.handler)
		if err != nil {
			return nil, nil, cb, err
		}
		st.v, cb = v, lh.cb
		if lh.framer != nil {
			f = lh.framer
		}
	case h.dial != nil:
		st.v = h.dial.v
	default:
		st.v = h.v
	}
	st.ch = st.v.Conns()
	st.own = st.ch.OwnLoop()
	st.conn = c
	st.in.Init(inflow.Of(st.v), c)
	st.split = f.Splitter()
	st.tap.framer = f
	c.SetContext(st)
	return st, f, cb, nil
}

func (h *netHandler) OnOpen(c *reactor.Conn) reactor.Action {
	st, f, cb, err := h.newState(c)
	if err != nil {
		h.v.Logf("%v", err)
		return reactor.Close
	}
	if h.idle > 0 {
		st.lastRead = time.Now()
		st.armIdle(c, h.idle)
	}
	st.run(c, func() {
		lc := h.dial
		if lc == nil {
			lc = newLuaConn(st.v, f, cb, h.highWater)
		}
		lc.opened(c, st)
	})
	return reactor.None
}

// datagram sets up one UDP datagram received by a listener: a conn without
// on_open/on_close whose c:send answers the sender.
func (h *netHandler) datagram(c *reactor.Conn) (*connState, bool) {
	st, f, cb, err := h.newState(c)
	if err != nil {
		h.v.Logf("%v", err)
		return nil, false
	}
	st.run(c, func() {
		newLuaConn(st.v, f, cb, h.highWater).bind(c, st)
	})
	return st, true
}

// OnTraffic splits what was read into frames and delivers them. Frames
// point into the read buffer: when the VM can run here it handles them
// before OnTraffic returns, while the buffer is valid, and the loop writes
// the replies after letting go of the VM (writer.held); otherwise the VM's
// queue gets copies.
func (h *netHandler) OnTraffic(c *reactor.Conn) reactor.Action {
	st, ok := c.Context().(*connState)
	if !ok && strings.HasPrefix(c.Network(), "udp") && c.Listener() != nil {
		st, ok = h.datagram(c)
	}
	if !ok {
		return reactor.Close
	}
	buf, _ := c.Peek(0)
	if len(buf) == 0 {
		return reactor.None
	}
	if h.idle > 0 {
		st.lastRead = time.Now()
	}
	frames, n, ferr := st.splitFrames(buf)
	st.tap.seen(h, c, buf, n, frames)
	c.Discard(n) // buf stays valid until OnTraffic returns
	st.framePending(c, n < len(buf) && ferr == nil)
	if len(frames) > 0 {
		if st.enter(c) {
			var lc *luaConn
			safely(st.v, func() {
				if lc = st.lc; lc != nil {
					lc.w.holdReplies = st.own != c.Loop() // the script VM: write after leaving it
					defer func() { lc.w.holdReplies = false }()
					lc.deliver(frames, buf[:n], false, 0, 0)
				}
			})
			st.leave(c)
			if lc != nil {
				lc.w.writeHeld(c)
			}
		} else {
			st.post(st.copyFrames(frames))
		}
		clear(frames)
		st.frames = frames[:0]
	}
	if ferr != nil {
		st.frameError(c, ferr)
	}
	return reactor.None
}

// copyFrames copies frames into one block, counts them against the conn's
// and the VM's queue limits (which may pause the conn's reads) and returns
// the queued event that delivers them.
func (st *connState) copyFrames(frames [][]byte) func() {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	block := make([]byte, 0, n)
	copied := make([][]byte, len(frames))
	for i, f := range frames {
		block = append(block, f...)
		copied[i] = block[len(block)-len(f) : len(block) : len(block)]
	}
	b, m := int64(n), int64(len(frames))
	st.account(b, m)
	return func() {
		if lc := st.lc; lc != nil {
			lc.deliver(copied, block, true, b, m)
		} else {
			st.account(-b, -m)
		}
	}
}

// splitFrames cuts the whole frames out of buf with the conn's splitter
// (all of buf as one frame without one) and reports how many bytes they
// took.
func (st *connState) splitFrames(buf []byte) ([][]byte, int, error) {
	frames := st.frames[:0]
	if st.split == nil {
		return append(frames, buf), len(buf), nil
	}
	off := 0
	for off < len(buf) {
		frame, n, err := st.split.Decode(buf[off:])
		if err != nil {
			return frames, min(off+n, len(buf)), err
		}
		if frame == nil && n == 0 {
			break
		}
		off += n
		if frame != nil {
			frames = append(frames, frame)
		}
		if n == 0 {
			break
		}
	}
	return frames, min(off, len(buf)), nil
}

func (h *netHandler) OnWritable(c *reactor.Conn) reactor.Action {
	st, ok := c.Context().(*connState)
	if !ok {
		return reactor.None
	}
	st.run(c, func() {
		if lc := st.lc; lc != nil {
			lc.writable()
		}
	})
	return reactor.None
}

func (h *netHandler) OnClose(c *reactor.Conn, err error) {
	st, ok := c.Context().(*connState)
	if !ok {
		return
	}
	if st.idleTimer != nil {
		st.idleTimer.Stop()
	}
	h.tapClosed(c)
	st.stopFrameTimer()
	st.run(c, func() {
		if st.lc != nil {
			st.lc.closed(err)
		}
	})
}

// OnReadEOF (half-close is on for every Lua conn): the peer finished
// sending. The conn closes once the messages that came before the EOF have
// been handled and their replies queued, so a request followed by a
// shutdown(SHUT_WR), as nc and socat send it, still gets its answer.
func (h *netHandler) OnReadEOF(c *reactor.Conn) reactor.Action {
	st, ok := c.Context().(*connState)
	if !ok {
		return reactor.Close
	}
	st.run(c, func() {
		if st.lc != nil {
			st.lc.peerEOF()
		} else {
			c.Close()
		}
	})
	return reactor.None
}

func (h *netHandler) OnShutdown(ln *reactor.Listener) {
	if srv := h.srv; srv != nil {
		srv.v.Post(srv.release)
	}
}
