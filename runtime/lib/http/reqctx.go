package http

import (
	stdctx "context"
	"sync"

	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// reqCtx is a request's context, req.ctx, with Go's r.Context() semantics:
// it is done when the client goes away (the conn closes or resets), when
// the server shuts down, or when the handler returns, whichever comes
// first. A handler that keeps it (for a timer, a coroutine) sees it done
// after its response. It is made on the first read of req.ctx, so a
// handler that never reads it costs no allocation. The zero value is a
// request whose ctx was not read. VM goroutine, but for what ctxSlot
// guards.
type reqCtx struct {
	ud     *lua.LUserData // req.ctx once read
	cancel stdctx.CancelFunc
	ended  bool // the handler returned
}

// ctxSlot is a conn's link to the live req.ctx of its request under way, so
// the conn's close (on its loop) cancels it while the handler (on its VM)
// makes or ends it. The zero value holds none.
type ctxSlot struct {
	mu     sync.Mutex
	cancel stdctx.CancelFunc
}

// ctxValue returns req.ctx, making it on first read. VM goroutine.
func (r *request) ctxValue(L *lua.LState) *lua.LUserData {
	if r.rc.ud != nil {
		return r.rc.ud
	}
	st := r.st
	ctx, cancel := stdctx.WithCancel(st.s.ctx)
	r.rc.ud, r.rc.cancel = luactx.New(L, ctx), cancel
	if r.rc.ended {
		cancel() // read after the handler returned: already over
		return r.rc.ud
	}
	st.rctx.mu.Lock()
	st.rctx.cancel = cancel
	gone := st.gone.Load() // stored before OnClose takes the lock
	st.rctx.mu.Unlock()
	if gone {
		cancel()
	}
	return r.rc.ud
}

// endCtx cancels req.ctx as the handler returns (Go cancels r.Context()
// when ServeHTTP returns). VM goroutine.
func (r *request) endCtx() {
	r.rc.ended = true
	if r.rc.cancel == nil {
		return
	}
	st := r.st
	st.rctx.mu.Lock()
	st.rctx.cancel = nil
	st.rctx.mu.Unlock()
	r.rc.cancel()
}

// cancelCtx cancels the live req.ctx, if any, as the conn closes. Call it
// after st.gone is set. Loop goroutine.
func (st *sconn) cancelCtx() {
	st.rctx.mu.Lock()
	cancel := st.rctx.cancel
	st.rctx.cancel = nil
	st.rctx.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}
