package runtime

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
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
	lowWater  int
	idle      time.Duration // idle_timeout; 0: none
}

// newConn makes the Lua side of a conn with h's water marks.
func (h *netHandler) newConn(v *vm, codec *luaCodec, cb callbacks) *luaConn {
	lc := newLuaConn(v, codec, cb, h.highWater)
	if h.lowWater > 0 {
		lc.lowWater = h.lowWater
	}
	return lc
}

// run executes fn on st's VM: inline when that VM lives on this loop.
func (st *connState) run(c *reactor.Conn, fn func()) {
	if st.inline(c) {
		st.v.rt.safely(fn)
		return
	}
	st.v.s.post(fn)
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
	// A loop VM handles the frames before OnTraffic returns, while buf is
	// still valid: no copies. The script VM gets copies.
	inline := st.inline(c)
	var frames [][]byte
	if inline {
		frames = st.frames[:0]
	}
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
		if frame != nil && inline {
			frames = append(frames, frame)
		} else if frame != nil {
			frames = append(frames, append([]byte(nil), frame...))
		}
		if n == 0 {
			break
		}
	}
	if off > len(buf) {
		off = len(buf)
	}
	c.Discard(off)
	switch {
	case len(frames) > 0 && inline:
		h.rt.msgsIn.Add(uint64(len(frames)))
		st.v.rt.safely(func() {
			if st.lc != nil {
				st.lc.deliver(frames)
			}
		})
		clear(frames)
		st.frames = frames[:0]
	case len(frames) > 0:
		h.rt.msgsIn.Add(uint64(len(frames)))
		st.run(c, func() {
			if st.lc != nil {
				st.lc.deliver(frames)
			}
		})
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
