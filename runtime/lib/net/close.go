package net

import (
	"errors"
	"strconv"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
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

// handlerDone closes the conn when on_message failed; openDone and
// writableDone when on_open or on_writable did.
func (lc *luaConn) handlerDone(_ []lua.LValue, e *host.ScriptError) { lc.failed("on_message", e) }
func (lc *luaConn) openDone(_ []lua.LValue, e *host.ScriptError)    { lc.failed("on_open", e) }
func (lc *luaConn) writableDone(_ []lua.LValue, e *host.ScriptError) {
	lc.failed("on_writable", e)
}

// closeDoneLog logs a failed on_close naming the conn.
func (lc *luaConn) closeDoneLog(_ []lua.LValue, e *host.ScriptError) {
	if e != nil {
		lc.v.LogError(&host.ScriptError{Msg: lc.origin() + " on_close: " + e.Msg, Traceback: luautil.NameCallback(e.Traceback, "on_close")})
	}
}

// origin names the conn for a handler error: "server tcp://127.0.0.1:9000
// conn 3", "conn 4 to tcp://127.0.0.1:6379".
func (lc *luaConn) origin() string {
	if lc.conn == nil {
		return "conn to " + lc.target
	}
	id := "conn " + strconv.FormatUint(lc.conn.ID(), 10)
	if lc.target != "" {
		return id + " to " + lc.target
	}
	if ln := lc.conn.Listener(); ln != nil {
		return "server " + ln.URL() + " " + id
	}
	return id
}

// failed logs a handler's error, naming the server, conn and callback
// ("server tcp://127.0.0.1:9000 conn 3 on_message: echo.lua:5: …"), and
// closes the conn with it.
func (lc *luaConn) failed(cb string, e *host.ScriptError) {
	if e == nil {
		return
	}
	lc.v.LogError(&host.ScriptError{Msg: lc.origin() + " " + cb + ": " + e.Msg, Traceback: luautil.NameCallback(e.Traceback, cb)})
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
	if lc.st != nil {
		lc.st.in.Forget()
	}
	lc.untrack()
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
		lc.v.Call(lc.cb.onClose, lc.closeDoneLog, lc.ud, e)
	}
}
