package ws

import (
	"sync"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/inflow"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// backlog holds a conn's messages between their decoding and on_message,
// on the VM that runs the conn's handlers. One message at a time per
// conn: while a handler is suspended, later messages wait, and on_close
// waits behind them. On a loop VM the messages of one read run in one
// coroutine (dispatch), as net.listen's conns do: a coroutine resume per
// message costs more than a small handler.
type backlog struct {
	msgs          []lua.LValue // msg, kind pairs waiting: msgs[head:]
	head          int
	busy, pumping bool
	msgDone       host.Done // messageDone, bound once
	closing       *Event    // an EvClose waiting for the messages before it
	finish        func()    // its close frame
	// in counts the waiting messages in the VM's inflow account (the
	// conn's reads pause past its bound); nil: not counted. bytes is the
	// size of the waiting messages; repBytes and repMsgs what settle last
	// reported, so a read whose messages all ran costs no atomic operation.
	in                       *inflow.Conn
	bytes, repBytes, repMsgs int64
}

func (b *backlog) queued() int { return (len(b.msgs) - b.head) / 2 }

func (b *backlog) push(msg, kind lua.LValue) {
	b.msgs = append(b.msgs, msg, kind)
	b.bytes += msgSize(msg)
}

// settle brings the inflow account up to date with what waits now.
func (b *backlog) settle() {
	if b.in == nil {
		return
	}
	n := int64(b.queued())
	if db, dm := b.bytes-b.repBytes, n-b.repMsgs; db != 0 || dm != 0 {
		b.in.Add(db, dm)
		b.repBytes, b.repMsgs = b.bytes, n
	}
}

// msgSize is what a waiting message counts in the inflow account.
func msgSize(msg lua.LValue) int64 {
	if s, ok := msg.(lua.LString); ok {
		return int64(len(s))
	}
	return 0
}

func (b *backlog) pop() (msg, kind lua.LValue) {
	msg, kind = b.msgs[b.head], b.msgs[b.head+1]
	b.bytes -= msgSize(msg)
	b.msgs[b.head], b.msgs[b.head+1] = nil, nil
	if b.head += 2; b.head == len(b.msgs) {
		b.msgs, b.head = b.msgs[:0], 0
	}
	return msg, kind
}

// drop forgets the waiting messages (a failed handler's conn is closing).
func (b *backlog) drop() {
	clear(b.msgs)
	b.msgs, b.head, b.bytes = b.msgs[:0], 0, 0
	b.settle()
}

// FeedDone runs the handler over the messages one read decoded: called by
// the conn's loop after Feed, before the read's writes go out.
func (h *luaServerH) FeedDone(c *SConn) {
	if h.loopVM == nil && h.handler == "" {
		return // the script VM's conns: c.Value is the VM goroutine's
	}
	if lc, ok := c.Value.(*luaConn); ok && lc.onLoop {
		lc.pump()
	}
}

// queue adds a message for on_message. A loop VM's conn inside a read
// waits for FeedDone to run the read's messages as one batch; otherwise
// (the script VM, or a message decoded outside a read) it runs at once.
func (lc *luaConn) queue(msg, kind lua.LValue) {
	if lc.cb.onMessage == nil {
		return
	}
	lc.push(msg, kind)
	if !lc.onLoop || !lc.c.inCB {
		lc.pump()
	} else if lc.queued() >= inflow.MaxConnMsgs/2 {
		lc.settle() // a huge read: let the account pause the conn before FeedDone
	}
}

// pump starts on_message over the waiting messages unless a handler runs.
func (lc *luaConn) pump() {
	if lc.pumping {
		return
	}
	lc.pumping = true
	for !lc.busy && lc.queued() > 0 {
		lc.busy = true
		if lc.msgDone == nil {
			lc.msgDone = lc.messageDone
		}
		if lc.queued() == 1 { // request and reply: no dispatch loop
			m, k := lc.pop()
			lc.v.Call3(lc.cb.onMessage, lc.msgDone, lc.ud, m, k)
		} else {
			lc.v.Call2(dispatch(lc.v), lc.msgDone, lc.cb.onMessage, lc.ud)
		}
	}
	lc.pumping = false
	lc.settle()
	if !lc.busy && lc.closing != nil {
		ev, finish := *lc.closing, lc.finish
		lc.closing, lc.finish = nil, nil
		lc.deliverClose(ev, finish)
	}
}

// messageDone ends a handler's (or a dispatch's) run.
func (lc *luaConn) messageDone(rets []lua.LValue, e *host.ScriptError) {
	lc.busy = false
	if e != nil {
		lc.drop()
		lc.handlerDone(rets, e)
	}
	lc.pump()
}

// closeAfter delivers on_close for ev once the messages before it are
// handled, and reports whether it had to wait.
func (lc *luaConn) closeAfter(ev Event, finish func()) bool {
	lc.pump()
	if !lc.busy && lc.queued() == 0 {
		return false
	}
	if !lc.onLoop { // the script VM may resume on its own goroutine: not in a loop callback then
		c := lc.c
		finish = func() { c.Finish(ev) }
	}
	lc.closing, lc.finish = &ev, finish
	return true
}

// dispatchSrc runs on_message over a conn's waiting messages in one
// coroutine: next(c) hands out the next message and its kind (nil when
// none waits) and starts its budget. The handler is called through a local
// named luautil.CallbackLocal, which handlerDone renames in tracebacks.
const dispatchSrc = `local next = ...
return function(callback, c)
  local m, k = next(c)
  while m ~= nil do
    callback(c, m, k)
    m, k = next(c)
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

// nextMessage is dispatch's next(c).
func nextMessage(v host.VM, L *lua.LState) int {
	lc := checkConn(L)
	if lc.queued() == 0 {
		L.Push(lua.LNil)
		return 1
	}
	v.Conns().RestartBudget()
	m, k := lc.pop()
	L.Push(m)
	L.Push(k)
	return 2
}
