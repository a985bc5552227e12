package net

import (
	"sync"
	"unsafe"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	lua "github.com/yuin/gopher-lua"
)

// backlog holds a conn's decoded messages until on_message (or c:receive)
// takes them, one at a time: the next waits while a handler is suspended.
// VM goroutine only.
type backlog struct {
	busy, pumping bool
	msgs          []lua.LValue // messages waiting: msgs[head:]
	sizes         []int        // the bytes of the frame behind each of msgs
	head          int
	msgDone       host.Done      // lc.messageDone, bound once
	dispatchFn    *lua.LFunction // the VM's dispatch, looked up once
	decoded       uint64         // messages pushed by the deliver running now
	receivers     []*receiver

	// bytes is the sum of sizes[head:]; repBytes and repMsgs are what
	// settle last counted in the conn's inflow account.
	bytes, repBytes, repMsgs int
}

// receiver is one c:receive waiting for a message.
type receiver struct {
	w    host.Waker
	done bool
	stop func() bool // its timeout timer, if any
}

// alive reports whether the receive still waits (it was not abandoned).
func (r *receiver) alive() bool { return !r.done && r.w.Waiting() }

// resolve hands vals to the waiting c:receive once.
func (r *receiver) resolve(vals ...lua.LValue) bool {
	if r.done {
		return false
	}
	r.done = true
	if r.stop != nil {
		r.stop()
	}
	r.w.Wake(vals...)
	return true
}

// deliver turns frames into messages with the conn's framer and hands them
// to on_message or c:receive; replies sent meanwhile go out together.
// frames lie in src (the read buffer or a queued block) unless the
// splitter copied them; frozen says src is a block copied for the queue,
// which nothing writes again, so Lua strings may alias it. posted and
// postedMsgs are what the loop counted for frames when it queued them (0
// for frames handled inline): from here the backlog counts what still
// waits.
func (lc *luaConn) deliver(frames [][]byte, src []byte, frozen bool, posted, postedMsgs int64) {
	L := lc.v.L()
	lc.decoded = 0
	sd, _ := lc.cf.(codec.StringDecoder)
	var span string
	var base uintptr
	joined := false
	if sd != nil && (len(frames) > 1 || frozen) {
		if frozen { // a queued block nobody writes: alias it
			span, base, joined = unsafe.String(unsafe.SliceData(src), len(src)), uintptr(unsafe.Pointer(unsafe.SliceData(src))), len(src) > 0
		} else {
			span, base, joined = joinFrames(frames, src)
		}
	}
	for _, f := range frames {
		n := len(lc.msgs)
		var err error
		switch {
		case joined && len(f) == 0:
			err = sd.DecodeString(L, "", lc)
		case joined:
			off := uintptr(unsafe.Pointer(unsafe.SliceData(f))) - base
			err = sd.DecodeString(L, span[off:off+uintptr(len(f))], lc)
		default:
			err = lc.cf.Decode(L, f, lc)
		}
		if err != nil { // the conn closes; what came before the bad frame is still handled
			lc.conn.CloseWithError(err)
			break
		}
		if len(lc.msgs) > n { // the frame's bytes wait with its last message
			lc.sizes[len(lc.sizes)-1] += len(f)
			lc.bytes += len(f)
		}
	}
	lc.counters.MsgsIn.Add(lc.decoded) // one atomic add per read, not per message
	lc.w.batching = true
	lc.pump()
	lc.w.batching = false
	lc.w.flush()
	lc.settle(posted, postedMsgs)
}

// joinFrames copies the part of src (the read buffer, or a queued block)
// that frames lie in, delimiters between them included, into one string,
// and returns it with the address of its first byte; ok is false when a
// frame is not inside src (a splitter that returned a copy), and the
// frames are then decoded one by one.
func joinFrames(frames [][]byte, src []byte) (span string, base uintptr, ok bool) {
	if len(src) == 0 {
		return "", 0, false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(src)))
	hi := lo + uintptr(len(src))
	start, end := hi, lo
	for _, f := range frames {
		if len(f) == 0 {
			continue
		}
		p := uintptr(unsafe.Pointer(unsafe.SliceData(f)))
		if p < lo || p+uintptr(len(f)) > hi {
			return "", 0, false
		}
		start, end = min(start, p), max(end, p+uintptr(len(f)))
	}
	if end <= start {
		return "", 0, false
	}
	return string(src[start-lo : end-lo]), start, true
}

// settle brings the conn's inflow account up to date with the backlog,
// less what the loop had counted for frames now decoded (posted). VM
// goroutine.
func (lc *luaConn) settle(posted, postedMsgs int64) {
	db := int64(lc.bytes-lc.repBytes) - posted
	dm := int64(lc.queued()-lc.repMsgs) - postedMsgs
	lc.repBytes, lc.repMsgs = lc.bytes, lc.queued()
	if lc.st != nil {
		lc.st.account(db, dm)
	}
}

// Push takes one decoded message (codec.Sink).
func (lc *luaConn) Push(msg lua.LValue) {
	lc.decoded++
	if lc.cb.onMessage == nil {
		for len(lc.receivers) > 0 {
			r := lc.receivers[0]
			lc.receivers = lc.receivers[1:]
			if r.alive() && r.resolve(msg) {
				return
			}
		}
	}
	lc.msgs = append(lc.msgs, msg)
	lc.sizes = append(lc.sizes, 0)
}

// queued is how many messages wait in the backlog.
func (lc *luaConn) queued() int { return len(lc.msgs) - lc.head }

// pop takes the oldest waiting message; the backlog keeps its capacity.
func (lc *luaConn) pop() lua.LValue {
	m := lc.msgs[lc.head]
	lc.msgs[lc.head] = nil
	lc.bytes -= lc.sizes[lc.head]
	lc.head++
	if lc.head == len(lc.msgs) {
		lc.msgs, lc.sizes, lc.head = lc.msgs[:0], lc.sizes[:0], 0
	}
	return m
}

// dropBacklog forgets every waiting message (a handler failed: its conn
// closes).
func (lc *luaConn) dropBacklog() {
	lc.msgs, lc.sizes, lc.head, lc.bytes = nil, nil, 0, 0
}

// pump runs on_message for waiting messages, one at a time per conn: the
// next message waits while a handler is suspended (sleep, pool.run…). When
// several wait, one coroutine (dispatch) takes them in turn through
// nextMessage until none waits.
func (lc *luaConn) pump() {
	if lc.pumping {
		return
	}
	lc.pumping = true
	if lc.cb.onMessage != nil && !lc.busy && lc.queued() > 0 {
		lc.busy = true
		if lc.queued() == 1 { // the common case of request and reply: no dispatch loop
			lc.v.Call2(lc.cb.onMessage, lc.msgDone, lc.ud, lc.pop())
		} else {
			if lc.dispatchFn == nil {
				lc.dispatchFn = dispatch(lc.v)
			}
			lc.v.Call2(lc.dispatchFn, lc.msgDone, lc.cb.onMessage, lc.ud)
		}
	}
	lc.pumping = false
	lc.settle(0, 0)
	lc.maybeFinishClose()
}

func (lc *luaConn) messageDone(rets []lua.LValue, e *host.ScriptError) {
	lc.busy = false
	if e != nil {
		lc.handlerDone(rets, e)
		lc.dropBacklog()
	}
	lc.pump()
}

// dispatchSrc runs on_message over a conn's waiting messages in one
// coroutine: next(c) hands out the next message (nil when none waits) and
// starts its budget. Resuming a coroutine per message costs more than the
// handler of a small protocol (about 150 ns of 300); the order and the
// one-at-a-time rule are the same either way, since a suspended handler
// suspends the loop that called it. The handler is called through a local
// named luautil.CallbackLocal, which failed renames in tracebacks.
const dispatchSrc = `local next = ...
return function(callback, c)
  local m = next(c)
  while m ~= nil do
    callback(c, m)
    m = next(c)
  end
end`

// dispatchProto is dispatchSrc compiled once per process.
var dispatchProto = sync.OnceValue(func() *lua.FunctionProto { return luautil.Compile(dispatchSrc) })

type dispatchKey struct{}

// dispatch is v's dispatch function, made on first use.
func dispatch(v host.VM) *lua.LFunction {
	return v.Local(dispatchKey{}, func() any {
		L := v.L()
		return luautil.ChunkFunction(L, dispatchProto(), L.NewFunction(func(L *lua.LState) int { return nextMessage(v, L) }))
	}).(*lua.LFunction)
}

// nextMessage is dispatch's next(c): the conn's next waiting message, or
// nil, which ends the dispatch. Each message gets a budget of its own.
func nextMessage(v host.VM, L *lua.LState) int {
	lc := checkConn(L)
	if lc.queued() == 0 || lc.cb.onMessage == nil {
		L.Push(lua.LNil)
		return 1
	}
	v.Conns().RestartBudget()
	L.Push(lc.pop())
	return 1
}

// connReceive is c:receive([timeout]).
func connReceive(L *lua.LState) int {
	lc := checkConn(L)
	if lc.cb.onMessage != nil {
		L.RaiseError("receive: this conn has on_message; use one or the other")
	}
	if lc.queued() > 0 {
		m := lc.pop()
		lc.settle(0, 0)
		L.Push(m)
		return 1
	}
	if lc.w.closing {
		L.Push(lua.LNil)
		L.Push(lua.LString(lc.closeReason()))
		return 2
	}
	var timeout float64 = -1
	if L.Get(2) != lua.LNil {
		timeout = float64(L.CheckNumber(2))
	}
	return lc.v.Await(L, "c:receive", func(w host.Waker) {
		r := &receiver{w: w}
		lc.receivers = append(lc.receivers, r)
		if timeout >= 0 {
			r.stop = lc.v.After(luautil.Seconds(timeout), func() {
				r.resolve(lua.LNil, lua.LString("timeout"))
			})
		}
	})
}
