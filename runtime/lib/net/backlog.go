package net

import (
	"sync"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// maxBacklog is how many decoded messages may wait for a conn's handler (or
// its c:receive) before the conn's reads are paused; they resume below half.
const maxBacklog = 1024

// backlog holds a conn's decoded messages until on_message (or c:receive)
// takes them, one at a time: the next waits while a handler is suspended.
// VM goroutine only.
type backlog struct {
	busy, pumping bool
	msgs          []lua.LValue // messages waiting: msgs[head:]
	head          int
	msgDone       host.Done      // lc.messageDone, bound once
	dispatchFn    *lua.LFunction // the VM's dispatch, looked up once
	decoded       uint64         // messages pushed by the deliver running now
	receivers     []*receiver
	paused        bool // reads paused by a full backlog
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
func (lc *luaConn) deliver(frames [][]byte) {
	L := lc.v.L()
	lc.decoded = 0
	for _, f := range frames {
		if err := lc.cf.Decode(L, f, lc); err != nil {
			lc.counters.MsgsIn.Add(lc.decoded)
			lc.conn.CloseWithError(err)
			return
		}
	}
	lc.counters.MsgsIn.Add(lc.decoded) // one atomic add per read, not per message
	lc.w.batching = true
	lc.pump()
	lc.w.batching = false
	lc.w.flush()
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
	if lc.queued() >= maxBacklog && !lc.paused && lc.conn != nil {
		lc.paused = true
		lc.conn.Pause()
	}
}

// queued is how many messages wait in the backlog.
func (lc *luaConn) queued() int { return len(lc.msgs) - lc.head }

// pop takes the oldest waiting message; the backlog keeps its capacity.
func (lc *luaConn) pop() lua.LValue {
	m := lc.msgs[lc.head]
	lc.msgs[lc.head] = nil
	lc.head++
	if lc.head == len(lc.msgs) {
		lc.msgs, lc.head = lc.msgs[:0], 0
	}
	return m
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
	lc.maybeUnpause()
	lc.maybeFinishClose()
}

// maybeUnpause resumes reading once the backlog has drained to half.
func (lc *luaConn) maybeUnpause() {
	if lc.paused && lc.queued() < maxBacklog/2 && !lc.w.closing {
		lc.paused = false
		lc.conn.Resume()
	}
}

func (lc *luaConn) messageDone(rets []lua.LValue, e *host.ScriptError) {
	lc.busy = false
	if e != nil {
		lc.handlerDone(rets, e)
		lc.msgs, lc.head = nil, 0
	}
	lc.pump()
}

// dispatchSrc runs on_message over a conn's waiting messages in one
// coroutine: next(c) hands out the next message (nil when none waits) and
// starts its budget. Resuming a coroutine per message costs more than the
// handler of a small protocol (about 150 ns of 300); the order and the
// one-at-a-time rule are the same either way, since a suspended handler
// suspends the loop that called it.
const dispatchSrc = `local next = ...
return function(fn, c)
  local m = next(c)
  while m ~= nil do
    fn(c, m)
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
		L.Push(L.NewFunctionFromProto(dispatchProto()))
		L.Push(L.NewFunction(func(L *lua.LState) int { return nextMessage(v, L) }))
		L.Call(1, 1)
		fn := L.Get(-1).(*lua.LFunction)
		L.Pop(1)
		return fn
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
	lc.maybeUnpause()
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
		lc.maybeUnpause()
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
