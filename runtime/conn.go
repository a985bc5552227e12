package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/reactor"
	lua "github.com/yuin/gopher-lua"
)

// maxScratch bounds the encode buffer a conn keeps between sends.
const maxScratch = 64 << 10

// maxBacklog is how many decoded messages may wait for a conn's handler (or
// its c:receive) before the conn's reads are paused; they resume below half.
const maxBacklog = 1024

const connType = "netplay.conn"

// callbacks are a conn's Lua handlers; all belong to the VM that runs them.
type callbacks struct {
	onOpen, onMessage, onClose, onWritable *lua.LFunction
}

func readCallbacks(t *lua.LTable) callbacks {
	fn := func(k string) *lua.LFunction {
		f, _ := t.RawGetString(k).(*lua.LFunction)
		return f
	}
	return callbacks{fn("on_open"), fn("on_message"), fn("on_close"), fn("on_writable")}
}

// luaConn is a conn as its VM sees it. Everything here belongs to the owner
// VM's goroutine.
type luaConn struct {
	v       *vm
	conn    *reactor.Conn // nil until open (net.dial)
	st      *connState
	ud      *lua.LUserData
	codec   *luaCodec
	enc     codecs.Codec // encoder instance for c:send
	cb      callbacks
	data    *lua.LTable
	ctx     context.Context
	cancel  context.CancelFunc
	ctxUD   *lua.LUserData // c.ctx: one userdata, so c.ctx == c.ctx
	direct  bool           // the VM runs on the conn's loop: write inline
	lookups int            // through the shared __index, until promote

	// batching is set while deliver hands one read's frames to handlers:
	// c:send appends to pend, and deliver writes pend once at the end (one
	// write(2) or AsyncWrite per read instead of one per reply).
	batching bool
	pend     []byte
	// holdReplies asks flush to leave a read's replies in held, for the
	// conn's loop to write once it has let go of the script VM (see
	// netHandler.OnTraffic): a write(2) is most of a small request's time,
	// and another loop may be waiting for the VM. Set and cleared by that
	// loop inside its inline run; held is that loop goroutine's alone.
	holdReplies bool
	held        []byte
	scratch     []byte   // c:send encodes here when the write copies (see send)
	args        [][]byte // RESP command arguments of the frame being delivered
	argBytes    []byte   // their bytes, copied together into one Lua string

	busy, pumping bool
	backlog       []lua.LValue // messages waiting: backlog[head:]
	head          int
	msgDone       func([]lua.LValue, *ScriptError) // lc.messageDone, bound once
	receivers     []*receiver
	paused        bool
	inbuf         codecBuf

	eof                bool // the peer half-closed; close once its messages are handled
	closing, closeDone bool
	closeErr           string
	kept               bool
	highWater          int

	// inflight counts bytes handed to AsyncWrite whose flush attempt has
	// not run yet: OutboundBuffered does not see them, and a script that
	// sends in a loop must still meet backpressure. Atomic (loop and VM).
	inflight atomic.Int64
	// wantWritable is set when c:send reported backpressure: on_writable
	// fires once when the conn drains below the low water mark. Atomic.
	wantWritable atomic.Bool
}

type receiver struct {
	wake func(...lua.LValue)
	done bool
	stop func() bool // its timeout timer, if any
	co   *coro       // the waiting coroutine and its await number:
	gen  uint64      // an interrupted (abandoned) receive takes no message
}

// alive reports whether the receive still waits (it was not abandoned).
func (r *receiver) alive() bool { return !r.done && r.co.waiting && r.co.gen == r.gen }

// resolve hands vals to the waiting c:receive once.
func (r *receiver) resolve(vals ...lua.LValue) bool {
	if r.done {
		return false
	}
	r.done = true
	if r.stop != nil {
		r.stop()
	}
	r.wake(vals...)
	return true
}

func newLuaConn(v *vm, codec *luaCodec, cb callbacks, highWater int) *luaConn {
	lc := &luaConn{v: v, codec: codec, cb: cb, highWater: highWater}
	if highWater <= 0 {
		lc.highWater = reactor.DefaultHighWater
	}
	if codec.spec != nil {
		lc.enc = codec.spec.New()
	}
	lc.msgDone = lc.messageDone
	L := v.L
	lc.ud = L.NewUserData()
	lc.ud.Value = lc
	L.SetMetatable(lc.ud, L.GetTypeMetatable(connType))
	return lc
}

// keepAlive counts the conn in the VM's keepalive once.
func (lc *luaConn) keepAlive() {
	if !lc.kept {
		lc.kept = true
		lc.v.s.keep++
	}
}

func (lc *luaConn) release() {
	if lc.kept {
		lc.kept = false
		lc.v.s.keep--
	}
}

// opened binds the reactor conn and runs on_open.
func (lc *luaConn) opened(c *reactor.Conn, st *connState) {
	lc.conn, lc.st = c, st
	lc.direct = lc.v.kind == kindLoop && lc.v.loop == c.Loop()
	st.lc = lc
	lc.keepAlive()
	if lc.cb.onOpen != nil {
		lc.v.s.call(lc.cb.onOpen, lc.handlerDone, lc.ud)
	}
}

// handlerDone closes the conn when a handler failed.
func (lc *luaConn) handlerDone(_ []lua.LValue, e *ScriptError) {
	if e == nil {
		return
	}
	lc.v.s.logErr(e)
	if lc.conn != nil {
		lc.flush() // replies sent before the failure still go out, as unbatched ones would
		lc.conn.CloseWithError(errors.New(e.Msg))
	}
}

// deliver hands decoded frames to on_message or to c:receive.
func (lc *luaConn) deliver(frames [][]byte) {
	lc.v.msgsIn.Add(uint64(len(frames)))
	for _, f := range frames {
		if lc.codec.respCommands {
			args, err := codecs.RESPCommandArgs(lc.args[:0], f)
			if err != nil {
				lc.conn.CloseWithError(err)
				return
			}
			var t *lua.LTable
			t, lc.argBytes = argsToLua(lc.v.L, &lc.v.names, args, lc.argBytes)
			clear(args)
			lc.args = args[:0]
			if cap(lc.argBytes) > maxScratch || cap(lc.args) > 1024 { // a huge command: do not keep its buffers
				lc.args, lc.argBytes = nil, nil
			}
			lc.push(t)
		} else if lc.codec.resp {
			v, err := codecs.ParseRESP(f)
			if err != nil {
				lc.conn.CloseWithError(err)
				return
			}
			lc.push(respToLua(lc.v.L, v, true))
		} else {
			lc.push(lua.LString(f))
		}
	}
	lc.batching = true
	lc.pump()
	lc.batching = false
	lc.flush()
}

// flush writes the replies batched during deliver, in order.
func (lc *luaConn) flush() {
	if len(lc.pend) == 0 {
		return
	}
	b := lc.pend
	if lc.conn == nil || lc.closing {
		lc.pend = lc.pend[:0]
		return
	}
	if lc.inlineWrites() {
		if lc.holdReplies {
			if len(lc.held) == 0 {
				lc.held, lc.pend = b, lc.held[:0]
			} else {
				lc.held, lc.pend = append(lc.held, b...), b[:0]
			}
			return
		}
		lc.writeNow(lc.conn, b)
		lc.pend = b[:0]
		return
	}
	lc.pend = nil // AsyncWrite owns b from here
	lc.asyncWrite(b)
}

// writeHeld writes what flush held back (holdReplies). The conn's loop
// goroutine, after its inline run.
func (lc *luaConn) writeHeld(c *reactor.Conn) {
	if len(lc.held) == 0 {
		return
	}
	lc.writeNow(c, lc.held)
	lc.held = lc.held[:0]
	if cap(lc.held) > maxScratch {
		lc.held = nil
	}
}

// writeNow writes b to c on c's loop goroutine; the reactor copies what
// the socket does not take.
func (lc *luaConn) writeNow(c *reactor.Conn, b []byte) {
	c.Write(b)
	if lc.wantWritable.Load() {
		c.ArmWritable()
	}
}

// deliverRaw runs codec.custom's decode over newly arrived bytes.
func (lc *luaConn) deliverRaw(data []byte) {
	lc.inbuf.b = append(lc.inbuf.b, data...)
	L := lc.v.L
	ud := L.NewUserData()
	ud.Value = &lc.inbuf
	L.SetMetatable(ud, L.GetTypeMetatable(bufType))
	for len(lc.inbuf.b) > 0 && lc.codec.decode != nil {
		before := len(lc.inbuf.b)
		if err := lc.v.s.callDecode(lc.codec.decode, ud); err != nil {
			lc.v.rt.logf("codec.custom decode: %v", err)
			lc.conn.CloseWithError(fmt.Errorf("corrupted_frame: %v", err))
			return
		}
		frame := L.Get(-1)
		L.Pop(1)
		if frame == lua.LNil {
			break
		}
		lc.push(frame)
		lc.v.msgsIn.Add(1)
		if len(lc.inbuf.b) == before {
			break // a frame without taking bytes: stop rather than spin
		}
	}
	if len(lc.inbuf.b) == 0 {
		lc.inbuf.b = nil
	}
	lc.batching = true
	lc.pump()
	lc.batching = false
	lc.flush()
}

// queued is how many messages wait in the backlog.
func (lc *luaConn) queued() int { return len(lc.backlog) - lc.head }

// pop takes the oldest waiting message; the backlog keeps its capacity.
func (lc *luaConn) pop() lua.LValue {
	m := lc.backlog[lc.head]
	lc.backlog[lc.head] = nil
	lc.head++
	if lc.head == len(lc.backlog) {
		lc.backlog, lc.head = lc.backlog[:0], 0
	}
	return m
}

func (lc *luaConn) push(msg lua.LValue) {
	if lc.cb.onMessage == nil {
		for len(lc.receivers) > 0 {
			r := lc.receivers[0]
			lc.receivers = lc.receivers[1:]
			if r.alive() && r.resolve(msg) {
				return
			}
		}
	}
	lc.backlog = append(lc.backlog, msg)
	if lc.queued() >= maxBacklog && !lc.paused && lc.conn != nil {
		lc.paused = true
		lc.conn.Pause()
	}
}

// pump runs on_message for waiting messages, one at a time per conn: the
// next message waits while a handler is suspended (sleep, pool.run…). When
// several wait, one coroutine (sched.dispatch) takes them in turn through
// nextMessage until none waits.
func (lc *luaConn) pump() {
	if lc.pumping {
		return
	}
	lc.pumping = true
	if lc.cb.onMessage != nil && !lc.busy && lc.queued() > 0 {
		lc.busy = true
		if lc.queued() == 1 { // the common case of request and reply: no dispatch loop
			lc.v.s.call2(lc.cb.onMessage, lc.msgDone, lc.ud, lc.pop())
		} else {
			lc.v.s.call2(lc.v.s.dispatch, lc.msgDone, lc.cb.onMessage, lc.ud)
		}
	}
	lc.pumping = false
	lc.maybeUnpause()
	lc.maybeFinishClose()
}

// maybeUnpause resumes reading once the backlog has drained to half.
func (lc *luaConn) maybeUnpause() {
	if lc.paused && lc.queued() < maxBacklog/2 && !lc.closing {
		lc.paused = false
		lc.conn.Resume()
	}
}

// nextMessage is sched.dispatch's next(c): the conn's next waiting message,
// or nil, which ends the dispatch. Each message gets a budget of its own.
func nextMessage(L *lua.LState) int {
	lc := checkConn(L)
	if lc.queued() == 0 || lc.cb.onMessage == nil {
		L.Push(lua.LNil)
		return 1
	}
	lc.v.s.budget.restart()
	L.Push(lc.pop())
	lc.maybeUnpause()
	return 1
}

func (lc *luaConn) messageDone(rets []lua.LValue, e *ScriptError) {
	lc.busy = false
	if e != nil {
		lc.handlerDone(rets, e)
		lc.backlog, lc.head = nil, 0
	}
	lc.pump()
}

// closed records the reactor's OnClose; on_close runs once the messages
// decoded before it have been handled.
func (lc *luaConn) closed(err error) {
	lc.closing = true
	if err != nil {
		lc.closeErr = err.Error()
	}
	lc.maybeFinishClose()
}

// peerEOF records the peer's half-close.
func (lc *luaConn) peerEOF() {
	lc.eof = true
	lc.maybeFinishClose()
}

func (lc *luaConn) maybeFinishClose() {
	if lc.eof && !lc.closing && !lc.busy && (lc.cb.onMessage == nil || lc.queued() == 0) && lc.conn != nil {
		lc.eof = false
		lc.flush()
		lc.conn.Close() // flushes the replies queued so far
	}
	if !lc.closing || lc.closeDone || lc.busy || (lc.cb.onMessage != nil && lc.queued() > 0) {
		return
	}
	lc.closeDone = true
	if lc.cancel != nil {
		lc.cancel()
	}
	reason := lua.LValue(lua.LString("closed"))
	if lc.closeErr != "" {
		reason = lua.LString(lc.closeErr)
	}
	for _, r := range lc.receivers {
		r.resolve(lua.LNil, reason)
	}
	lc.receivers = nil
	lc.release()
	if lc.cb.onClose != nil {
		var e lua.LValue = lua.LNil
		if lc.closeErr != "" {
			e = lua.LString(lc.closeErr)
		}
		lc.v.s.call(lc.cb.onClose, nil, lc.ud, e)
	}
}

// write sends bytes; it reports false past the high water mark.
func (lc *luaConn) write(b []byte) (bool, string) {
	if lc.conn == nil {
		return false, "not connected"
	}
	if lc.closing {
		return false, "closed"
	}
	if lc.st != nil && lc.st.h.trace {
		lc.v.rt.trace(lc.conn, ">", b)
	}
	over := int64(lc.conn.OutboundBuffered())+lc.inflight.Load()+int64(len(lc.pend))+int64(len(b)) > int64(lc.highWater)
	var err error
	direct := false
	switch {
	case lc.batching:
		lc.pend = append(lc.pend, b...)
	case lc.inlineWrites():
		_, err = lc.conn.Write(b)
		direct = true
	default:
		err = lc.asyncWrite(b)
	}
	if err != nil {
		return false, err.Error()
	}
	lc.v.msgsOut.Add(1)
	if over {
		lc.wantWritable.Store(true)
		if direct {
			lc.conn.ArmWritable()
		}
		return false, "backpressure"
	}
	return true, ""
}

// onConnLoop reports whether the VM runs on the conn's loop goroutine right
// now: a loop VM of that loop always, the script VM while that loop runs it
// inline.
func (lc *luaConn) onConnLoop() bool {
	return lc.direct || (lc.conn != nil && lc.v.kind == kindScript && lc.v.rt.onLoop.Load() == lc.conn.Loop())
}

// inlineWrites reports whether a write may go straight to the conn: the VM
// is on the conn's loop and no AsyncWrite of an earlier reply is still on
// its way there (a direct write would overtake it).
func (lc *luaConn) inlineWrites() bool {
	return lc.direct || (lc.onConnLoop() && lc.inflight.Load() == 0)
}

// asyncWrite hands b to the conn's loop, counting it as in flight until
// the loop's flush attempt.
func (lc *luaConn) asyncWrite(b []byte) error {
	n := int64(len(b))
	lc.inflight.Add(n)
	err := lc.conn.AsyncWrite(b, func(c *reactor.Conn, _ error) {
		if lc.inflight.Add(-n) == 0 && lc.wantWritable.Load() {
			c.ArmWritable() // the reactor's buffer may never have crossed high water
		}
	})
	if err != nil {
		lc.inflight.Add(-n)
	}
	return err
}

// writable runs on_writable once per backpressure episode. VM goroutine.
func (lc *luaConn) writable() {
	if !lc.wantWritable.CompareAndSwap(true, false) || lc.closing {
		return
	}
	if lc.cb.onWritable != nil {
		lc.v.s.call(lc.cb.onWritable, lc.handlerDone, lc.ud)
	}
}

// encode frames msg with the conn's codec, appending to dst.
func (lc *luaConn) encode(L *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	c := lc.codec
	switch {
	case c.resp:
		b, err := appendLuaRESP(dst, msg, 0)
		if err != nil {
			return nil, err
		}
		return b, nil
	case c.spec == nil: // custom
		if c.encode == nil {
			return append(dst, lua.LVAsString(msg)...), nil
		}
		L.Push(c.encode)
		L.Push(msg)
		L.Call(1, 1)
		out := L.Get(-1)
		L.Pop(1)
		s, ok := out.(lua.LString)
		if !ok {
			return nil, fmt.Errorf("codec.custom encode returned a %s, not a string", out.Type())
		}
		return append(dst, s...), nil
	}
	s, ok := msg.(lua.LString)
	if !ok {
		if n, isNum := msg.(lua.LNumber); isNum {
			s = lua.LString(n.String())
		} else {
			return nil, fmt.Errorf("string expected, got %s", msg.Type())
		}
	}
	// The codecs' encoders only read msg: alias the Lua string's bytes
	// instead of copying them.
	return lc.enc.Encode(dst, unsafe.Slice(unsafe.StringData(string(s)), len(s)))
}

func checkConn(L *lua.LState) *luaConn {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if lc, ok := ud.Value.(*luaConn); ok {
			return lc
		}
	}
	L.ArgError(1, "conn expected")
	return nil
}

var connMethods = map[string]lua.LGFunction{
	"send": func(L *lua.LState) int {
		lc := checkConn(L)
		// Encode into the conn's scratch buffer when the write copies the
		// bytes (into the batch, or the reactor's buffer); an AsyncWrite
		// owns its bytes, so it gets a new slice.
		var dst []byte
		reuse := lc.batching || lc.inlineWrites()
		if reuse {
			dst = lc.scratch[:0]
		}
		b, err := lc.encode(L, dst, L.Get(2))
		if err != nil {
			L.RaiseError("send: %v", err)
		}
		n := pushWrite(L, lc, b)
		if reuse && cap(b) <= maxScratch {
			lc.scratch = b[:0]
		}
		return n
	},
	"write": func(L *lua.LState) int {
		lc := checkConn(L)
		return pushWrite(L, lc, []byte(L.CheckString(2)))
	},
	"receive": func(L *lua.LState) int {
		lc := checkConn(L)
		if lc.cb.onMessage != nil {
			L.RaiseError("receive: this conn has on_message; use one or the other")
		}
		if lc.queued() > 0 {
			m := lc.pop()
			lc.maybeUnpause()
			L.Push(m)
			return 1
		}
		if lc.closing {
			L.Push(lua.LNil)
			if lc.closeErr != "" {
				L.Push(lua.LString(lc.closeErr))
			} else {
				L.Push(lua.LString("closed"))
			}
			return 2
		}
		var timeout float64 = -1
		if L.Get(2) != lua.LNil {
			timeout = float64(L.CheckNumber(2))
		}
		s := lc.v.s
		co := s.cur
		return s.await(L, "c:receive", func(wake func(...lua.LValue)) {
			r := &receiver{wake: wake, co: co, gen: co.gen}
			lc.receivers = append(lc.receivers, r)
			if timeout >= 0 {
				r.stop = s.after(secondsToDuration(timeout), func() {
					r.resolve(lua.LNil, lua.LString("timeout"))
				})
			}
		})
	},
	"close": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.flush()
			lc.conn.Close()
		}
		return 0
	},
	"pause": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.conn.Pause()
		}
		return 0
	},
	"resume": func(L *lua.LState) int {
		if lc := checkConn(L); lc.conn != nil {
			lc.conn.Resume()
		}
		return 0
	},
	"set_codec": func(L *lua.LState) int {
		lc := checkConn(L)
		nc := checkCodecArg(L, 2)
		if nc.owner != nil && nc.owner != lc.v {
			L.ArgError(2, "codec.custom belongs to another VM")
		}
		lc.codec = nc
		lc.enc = nil
		if nc.spec != nil {
			lc.enc = nc.spec.New()
		}
		if c, st := lc.conn, lc.st; c != nil && st != nil {
			swap := func() {
				st.dec = nil
				if nc.spec != nil {
					st.dec = nc.spec.New()
				}
				c.Wake(nil) // decode what is already buffered with the new codec
			}
			if lc.onConnLoop() {
				swap()
			} else {
				c.Loop().Execute(swap)
			}
		}
		return 0
	},
}

func checkCodecArg(L *lua.LState, n int) *luaCodec {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*luaCodec); ok {
			return c
		}
	}
	L.ArgError(n, "codec expected")
	return nil
}

func pushWrite(L *lua.LState, lc *luaConn, b []byte) int {
	ok, why := lc.write(b)
	L.Push(lua.LBool(ok))
	if !ok {
		L.Push(lua.LString(why))
		return 2
	}
	return 1
}

// connField returns the conn field key (c.id, c.remote, c.local, c.ctx,
// c.data, c.codec); ok is false for any other key. fixed reports a value
// that cannot change from now on, so a conn's own metatable may keep it.
func connField(L *lua.LState, lc *luaConn, key string) (v lua.LValue, fixed, ok bool) {
	switch key {
	case "id":
		if lc.conn == nil {
			return lua.LNil, false, true
		}
		return lua.LNumber(lc.conn.ID()), true, true
	case "remote", "local", "local_addr":
		if lc.conn == nil {
			return lua.LNil, false, true
		}
		a := lc.conn.RemoteAddr()
		if key != "remote" {
			a = lc.conn.LocalAddr()
		}
		if a == nil {
			return lua.LNil, true, true
		}
		return lua.LString(a.String()), true, true
	case "ctx":
		if lc.ctx == nil {
			lc.ctx, lc.cancel = context.WithCancel(context.Background())
			if lc.closeDone {
				lc.cancel()
			}
		}
		if lc.ctxUD == nil {
			lc.ctxUD = newCtx(L, lc.ctx)
		}
		return lc.ctxUD, true, true
	case "data":
		if lc.data == nil {
			lc.data = L.NewTable()
		}
		return lc.data, true, true
	case "codec":
		return lua.LString(lc.codec.name), false, true
	}
	return nil, false, false
}

// promoteAfter is how many lookups a conn makes through the shared __index
// function before it gets a metatable of its own: enough that a conn which
// answers one request and closes never pays for one.
const promoteAfter = 8

// connIndex is the __index of the conn type's shared metatable: a Go
// function, since fields such as c.id belong to each conn. A conn that keeps
// looking things up (a handler's c:send per message) gets a metatable of its
// own (promote), in which its methods and fixed fields are found without
// calling Go: the call costs more than the rest of a small c:send.
func connIndex(methods, own *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		lc := checkConn(L)
		key := L.CheckString(2)
		v, _, ok := connField(L, lc, key)
		if !ok {
			v = methodOf(L, methods, "conn", key)
		}
		if lc.lookups++; lc.lookups >= promoteAfter {
			lc.promote(L, own)
		}
		L.Push(v)
		return 1
	}
}

// promote gives the conn a metatable of its own: a copy of the type's
// metatable that is also its own __index, so methods and fields found once
// are kept in it and found by table lookups; a miss goes to own's __index
// (ownConnIndex). It costs about 850 B (a gopher-lua table with string
// keys keeps two Go maps). The conn's userdata is kept for that miss under
// the key own, a table no script names, so c[1] stays an error as before.
func (lc *luaConn) promote(L *lua.LState, own *lua.LTable) {
	shared, ok := lc.ud.Metatable.(*lua.LTable)
	if !ok || shared != L.GetTypeMetatable(connType) {
		return
	}
	mt := L.CreateTable(0, 4)
	shared.ForEach(func(k, v lua.LValue) {
		if k != lua.LString(methodsField) { // the shell finds it behind, in own
			mt.RawSet(k, v)
		}
	})
	mt.RawSet(own, lc.ud)
	mt.RawSetString("__index", mt)
	mt.Metatable = own
	lc.ud.Metatable = mt
}

// ownConnIndex is the __index behind a promoted conn's metatable (see
// promote): it gets that metatable, finds the conn under the key own, and
// keeps what it found there unless it can change.
func ownConnIndex(methods, own *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		mt := L.CheckTable(1)
		key := L.CheckString(2)
		var lc *luaConn
		if ud, ok := mt.RawGet(own).(*lua.LUserData); ok {
			lc, _ = ud.Value.(*luaConn)
		}
		if lc == nil { // a script took the conn out of getmetatable(c)
			L.RaiseError("conn metatable without its conn")
		}
		v, fixed, ok := connField(L, lc, key)
		if !ok {
			v, fixed = methodOf(L, methods, "conn", key), true
		}
		if fixed {
			mt.RawSetString(key, v)
		}
		L.Push(v)
		return 1
	}
}
