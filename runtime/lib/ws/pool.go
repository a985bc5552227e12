package ws

import (
	"context"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// serverPool is ws.listen's pool = true: on_message(msg, kind, id) runs on
// a worker VM, its results go to on_result(c, ...) on the script VM, and a
// conn's next message goes to a worker only after on_result of the one
// before returned. So a conn's messages are handled in order, one at a
// time, while a handler that blocks (sleep, a slow computation) holds one
// worker and no other conn. Script VM only.
type serverPool struct {
	proto    *lua.FunctionProto // on_message, without upvalues (checkPoolHandler)
	onResult *lua.LFunction     // may be nil: results are dropped
}

// Bounds on a conn's messages waiting for a worker: at poolPauseAt the
// conn stops being read (TCP pushes back on the peer), below poolResumeAt
// reading resumes. The peer's pings wait too, meanwhile.
const (
	poolPauseAt  = 64
	poolResumeAt = 32
)

// poolConn is one conn's pool state; script VM goroutine only.
type poolConn struct {
	waiting []poolMsg // messages not yet handed to a worker
	busy    bool      // a message is on a worker or in on_result
	paused  bool      // we paused reading (and only we resume it)
	failed  bool      // a handler failed: the conn is closing, the rest is dropped
	// closing is the conn's EvClose, held back until the messages before
	// it were handled (so their replies go out before the close frame).
	closing *Event
	closed  bool // on_close runs or ran: deliver takes the event directly
}

type poolMsg struct{ data, kind lua.LString }

// poolEvent handles a message or the close of a pool = true conn on the
// script VM; on_open goes the usual way.
func (h *luaServerH) poolEvent(lc *luaConn, ev Event, data lua.LString) {
	pc := lc.pc
	if pc == nil {
		pc = &poolConn{}
		lc.pc = pc
	}
	switch ev.Kind {
	case EvMessage:
		if pc.failed || pc.closing != nil {
			return
		}
		kind := lua.LString("text")
		if ev.Binary {
			kind = "binary"
		}
		pc.waiting = append(pc.waiting, poolMsg{data, kind})
		if len(pc.waiting) >= poolPauseAt && !pc.paused {
			pc.paused = lc.c.Conn().Pause() == nil
		}
		h.poolNext(lc)
	case EvClose:
		ev := ev
		pc.closing = &ev
		if ev.Code == wsc.CloseAbnormal {
			pc.waiting = nil // the TCP conn is gone: no reply could reach the peer
		}
		h.poolNext(lc)
	}
}

// poolNext hands the conn's next message to a worker, or, with none left
// and a close waiting, runs on_close and writes the close frame.
func (h *luaServerH) poolNext(lc *luaConn) {
	pc := lc.pc
	if pc.busy {
		return
	}
	if len(pc.waiting) == 0 || pc.failed {
		pc.waiting = nil
		if ev := pc.closing; ev != nil {
			pc.closing = nil
			h.poolClose(lc, *ev)
		}
		return
	}
	m := pc.waiting[0]
	pc.waiting[0] = poolMsg{}
	pc.waiting = pc.waiting[1:]
	if pc.paused && len(pc.waiting) < poolResumeAt {
		pc.paused = false
		_ = lc.c.Conn().Resume() // fails only for a closed conn
	}
	v := lc.v
	workers, err := v.Workers()
	if err == nil {
		pc.busy = true
		job := &host.Job{Ctx: context.Background(), Proto: h.pool.proto, Args: []lua.LValue{m.data, m.kind, lua.LNumber(lc.c.ID())}}
		job.Done = func(rets []lua.LValue, err error) { v.Post(func() { h.poolDone(lc, rets, err) }) }
		if err = workers.Submit(job); err != nil {
			pc.busy = false
		}
	}
	if err != nil {
		// The pool refuses work (too many jobs wait): fail this conn
		// rather than drop one of its messages silently.
		v.Logf("ws.listen %s: pool: %v; closing conn %d", lc.c.srv.Addr(), err, lc.c.ID())
		h.poolFail(lc, 1013, "try again later")
	}
}

// poolDone runs on the script VM when a worker finished a message.
func (h *luaServerH) poolDone(lc *luaConn, rets []lua.LValue, err error) {
	v := lc.v
	if err != nil {
		v.LogError(&host.ScriptError{Msg: "ws.listen on_message (pool): " + err.Error()})
		h.poolFail(lc, 1011, "handler error")
		return
	}
	next := func() {
		lc.pc.busy = false
		h.poolNext(lc)
	}
	if h.pool.onResult == nil || lc.pc.failed {
		next()
		return
	}
	v.Call(h.pool.onResult, func(_ []lua.LValue, e *host.ScriptError) {
		if e != nil {
			v.LogError(e)
			h.poolFail(lc, 1011, "handler error")
		}
		next()
	}, append([]lua.LValue{lc.ud}, rets...)...)
}

// poolFail drops the conn's waiting messages and closes it with code.
func (h *luaServerH) poolFail(lc *luaConn, code int, reason string) {
	pc := lc.pc
	pc.failed = true
	pc.busy = false
	pc.waiting = nil
	if pc.paused {
		pc.paused = false
		_ = lc.c.Conn().Resume() // so the peer's close answer is read
	}
	_ = lc.c.Close(code, reason)
	h.poolNext(lc) // runs a close that was waiting
}

// poolClose runs on_close for a held-back EvClose and writes its close
// frame: inside the loop's callback when the script VM runs inline there,
// else from the VM goroutine.
func (h *luaServerH) poolClose(lc *luaConn, ev Event) {
	lc.pc.closed = true
	h.deliver(lc, ev, "", lc.inline)
}
