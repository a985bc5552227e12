package net

import (
	"errors"

	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// closer is a conn's close state machine. The reactor's OnClose (closed)
// and the peer's half-close (peerEOF) are recorded; on_close runs once the
// messages decoded before them have been handled. VM goroutine only.
type closer struct {
	eof       bool   // the peer half-closed; close once its messages are handled
	closeDone bool   // on_close has been scheduled
	closeErr  string // why the conn closed; "" for a clean close
	bye       []byte // written last before a farewell close (limits.go)
	release   func() // lets the script end once the conn is gone; nil when not held
}

// hold keeps the script alive while the conn is open.
func (lc *luaConn) hold() {
	if lc.release == nil {
		lc.release = lc.v.Hold()
	}
}

// handlerDone closes the conn when a handler failed.
func (lc *luaConn) handlerDone(_ []lua.LValue, e *host.ScriptError) {
	if e == nil {
		return
	}
	lc.v.LogError(e)
	if lc.conn != nil {
		lc.w.flush() // replies sent before the failure still go out, as unbatched ones would
		lc.conn.CloseWithError(errors.New(e.Msg))
	}
}

// closed records the reactor's OnClose.
func (lc *luaConn) closed(err error) {
	lc.w.closing = true
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

// closeReason is what c:receive returns after the close.
func (lc *luaConn) closeReason() string {
	if lc.closeErr != "" {
		return lc.closeErr
	}
	return "closed"
}

// drained reports whether no handler runs and no message waits for one.
func (lc *luaConn) drained() bool {
	return !lc.busy && (lc.cb.onMessage == nil || lc.queued() == 0)
}

func (lc *luaConn) maybeFinishClose() {
	if lc.eof && !lc.w.closing && lc.drained() && lc.conn != nil {
		lc.eof = false
		lc.w.flush()
		if lc.bye != nil {
			lc.w.write(lc.bye)
			lc.w.flush()
			lc.bye = nil
		}
		lc.conn.Close() // flushes the replies queued so far
	}
	if !lc.w.closing || lc.closeDone || !lc.drained() {
		return
	}
	lc.closeDone = true
	if lc.cancel != nil {
		lc.cancel()
	}
	reason := lua.LString(lc.closeReason())
	for _, r := range lc.receivers {
		r.resolve(lua.LNil, reason)
	}
	lc.receivers = nil
	if lc.release != nil {
		lc.release()
		lc.release = nil
	}
	if lc.cb.onClose != nil {
		var e lua.LValue = lua.LNil
		if lc.closeErr != "" {
			e = lua.LString(lc.closeErr)
		}
		lc.v.Call(lc.cb.onClose, nil, lc.ud, e)
	}
}
