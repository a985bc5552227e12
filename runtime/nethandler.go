package runtime

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/reactor"
)

// connState is what a loop keeps per conn (reactor.Conn.Context): the
// decoder runs on the loop; lc belongs to the owner VM's goroutine.
type connState struct {
	h   *netHandler
	v   *vm
	dec codecs.Codec // nil: raw bytes go to the VM (codec.custom)
	lc  *luaConn

	// idle_timeout, loop goroutine only
	lastRead  time.Time
	idleTimer *reactor.Timer

	frames [][]byte // reused by OnTraffic when the VM runs inline

	// queued counts this conn's events waiting in the script VM's queue;
	// while any waits, its later events queue behind them.
	queued atomic.Int32
}

// inline reports whether st's VM runs on c's loop (a loop VM).
func (st *connState) inline(c *reactor.Conn) bool {
	return st.v.kind == kindLoop && st.v.loop == c.Loop()
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
// callbacks run on loop goroutines; they decode frames in Go and hand whole
// messages to the VM that owns the conn: the script VM through its queue, or
// the loop's own VM inline.
type netHandler struct {
	reactor.BaseHandler
	rt        *Runtime
	loopMode  bool
	handler   string    // loop mode: handler file or module
	codec     *luaCodec // script mode, or the default in loop mode
	cb        callbacks // script mode
	dial      *luaConn  // a dialed conn, created before it opens
	srv       *luaServer
	trace     bool
	highWater int
	idle      time.Duration // idle_timeout; 0: none
}

// newConn makes the Lua side of a conn with h's high water mark (the low
// water mark is the reactor's: it calls OnWritable).
func (h *netHandler) newConn(v *vm, codec *luaCodec, cb callbacks) *luaConn {
	return newLuaConn(v, codec, cb, h.highWater)
}

// run executes fn on st's VM: inline when that VM lives on this loop or is
// the script VM and free (enter), else through the VM's queue.
func (st *connState) run(c *reactor.Conn, fn func()) {
	if st.enter(c) {
		st.v.rt.safely(fn)
		st.leave(c)
		return
	}
	st.post(fn)
}

// post queues fn, an event of this conn, for its VM: the script VM
// goroutine, or the loop of a loop VM (a conn it dialed that another loop
// serves).
func (st *connState) post(fn func()) {
	if st.v.kind != kindScript {
		st.v.s.post(fn)
		return
	}
	st.queued.Add(1)
	st.v.rt.q.postConn(func() {
		st.queued.Add(-1)
		fn()
	})
}

// enter reports whether st's VM can run here and now, on c's loop: a loop
// VM of this loop always can, the script VM when no one else runs it (see
// Runtime.enterFromLoop). On true, leave must follow.
func (st *connState) enter(c *reactor.Conn) bool {
	if st.inline(c) {
		return true
	}
	return st.v.kind == kindScript && st.v.rt.enterFromLoop(c.Loop(), &st.queued)
}

func (st *connState) leave(c *reactor.Conn) {
	if !st.inline(c) {
		st.v.rt.leaveFromLoop()
	}
}

// newState picks the conn's VM, handlers and codec. Loop goroutine.
func (h *netHandler) newState(c *reactor.Conn) (*connState, *luaCodec, callbacks, error) {
	st := &connState{h: h}
	codec, cb := h.codec, h.cb
	if h.loopMode {
		v := h.rt.loopVM(c.Loop())
		lh, err := v.loopHandler(h.handler)
		if err != nil {
			return nil, nil, cb, err
		}
		st.v, cb = v, lh.cb
		if lh.codec != nil {
			codec = lh.codec
		}
	} else if h.dial != nil {
		st.v = h.dial.v
	} else {
		st.v = h.rt.script
	}
	if codec.spec != nil {
		st.dec = codec.spec.New()
	}
	c.SetContext(st)
	return st, codec, cb, nil
}

func (h *netHandler) OnOpen(c *reactor.Conn) reactor.Action {
	st, codec, cb, err := h.newState(c)
	if err != nil {
		h.rt.logf("%v", err)
		return reactor.Close
	}
	if h.idle > 0 {
		st.lastRead = time.Now()
		st.armIdle(c, h.idle)
	}
	st.run(c, func() {
		lc := h.dial
		if lc == nil {
			lc = h.newConn(st.v, codec, cb)
		}
		lc.opened(c, st)
	})
	return reactor.None
}

// datagram sets up one UDP datagram received by a listener: a conn without
// on_open/on_close whose c:send answers the sender.
func (h *netHandler) datagram(c *reactor.Conn) (*connState, bool) {
	st, codec, cb, err := h.newState(c)
	if err != nil {
		h.rt.logf("%v", err)
		return nil, false
	}
	st.run(c, func() {
		lc := h.newConn(st.v, codec, cb)
		lc.conn, lc.st = c, st
		lc.direct = st.v.kind == kindLoop && st.v.loop == c.Loop()
		st.lc = lc
	})
	return st, true
}

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
	if h.trace {
		h.rt.trace(c, "<", buf)
	}
	if st.dec == nil {
		data := append([]byte(nil), buf...)
		c.Discard(len(buf))
		st.run(c, func() {
			if st.lc != nil {
				st.lc.deliverRaw(data)
			}
		})
		return reactor.None
	}
	// Frames point into buf. When the VM can run here (a loop VM, or the
	// script VM while it is free) it handles them before OnTraffic returns,
	// while buf is still valid: no copies. Otherwise the VM's queue gets
	// copies.
	frames := st.frames[:0]
	var ferr error
	off := 0
	for off < len(buf) {
		frame, n, err := st.dec.Decode(buf[off:])
		if err != nil {
			off += n
			ferr = err
			break
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
	if off > len(buf) {
		off = len(buf)
	}
	c.Discard(off) // buf stays valid until OnTraffic returns
	if len(frames) > 0 {
		if st.enter(c) {
			var lc *luaConn
			st.v.rt.safely(func() {
				if lc = st.lc; lc != nil {
					lc.holdReplies = !st.inline(c) // the script VM: write after leaving it
					defer func() { lc.holdReplies = false }()
					lc.deliver(frames)
				}
			})
			st.leave(c)
			if lc != nil {
				lc.writeHeld(c)
			}
		} else {
			copied := make([][]byte, len(frames))
			for i, f := range frames {
				copied[i] = append([]byte(nil), f...)
			}
			st.post(func() {
				if st.lc != nil {
					st.lc.deliver(copied)
				}
			})
		}
		clear(frames)
		st.frames = frames[:0]
	}
	if ferr != nil {
		c.CloseWithError(ferr)
	}
	return reactor.None
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
		srv.v.s.post(srv.release)
	}
}

// trace prints one frame in or out as a hexdump (net.listen{trace = true}).
func (rt *Runtime) trace(c *reactor.Conn, dir string, b []byte) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "netplay: conn %d %s %d bytes\n", c.ID(), dir, len(b))
	sb.WriteString(hex.Dump(b))
	rt.outMu.Lock()
	fmt.Fprint(rt.stderr, sb.String())
	rt.outMu.Unlock()
}
