package http

import (
	stdctx "context"
	"sync"
	"time"

	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// reqContext is req.ctx, with Go's r.Context() semantics: it is done
// ("context canceled") when the client goes away (the conn closes or
// resets), when the server shuts down (its conns are closed), or when the
// handler returns, whichever comes first. A handler that keeps it (for a
// timer, a coroutine) sees it done after its response.
//
// It is made on the first read of req.ctx, so a handler that never reads
// it costs nothing; then it is one allocation, its Lua value included (a
// context.WithCancel would add its cancel func and a registration with a
// parent shared by every loop). Its Done channel is made only when asked
// for, and AfterFunc (context.AfterFunc, ctx:wait, ctx:on_done, a child
// context) registers a func instead of starting a goroutine to watch it.
// Safe for concurrent use.
type reqContext struct {
	ud lua.LUserData // its Lua value, in the same allocation; VM goroutine

	mu    sync.Mutex
	err   error
	done  chan struct{}   // made by Done
	after map[*func()]int // AfterFunc's funcs, run once at cancel
}

var _ stdctx.Context = (*reqContext)(nil)

// Deadline reports none: a request has no deadline of its own.
func (c *reqContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value returns nil: req.ctx carries no values (derive with
// context.with_value).
func (c *reqContext) Value(any) any { return nil }

// Err returns nil until the ctx is cancelled, then context.Canceled.
func (c *reqContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done returns a channel closed at cancel.
func (c *reqContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

// AfterFunc runs f in its own goroutine once c is cancelled (at once when
// it is); stop unregisters it. context.AfterFunc and child contexts use it.
func (c *reqContext) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	if c.after == nil {
		c.after = map[*func()]int{}
	}
	key := &f
	c.after[key] = 0
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.after[key]
		delete(c.after, key)
		return ok
	}
}

// cancel ends c; later calls do nothing.
func (c *reqContext) cancel() {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = stdctx.Canceled
	if c.done != nil {
		close(c.done)
	}
	after := c.after
	c.after = nil
	c.mu.Unlock()
	for f := range after {
		go (*f)()
	}
}

// ctxSlot is a conn's link to the live req.ctx of its request under way, so
// the conn's close (on its loop) cancels it while the handler (on its VM)
// makes or ends it. The zero value holds none.
type ctxSlot struct {
	mu  sync.Mutex
	cur *reqContext
}

// ctxValue returns req.ctx, making it on first read. It lives in the reply
// (made with the request's dispatch, before the handler can read req),
// where it fits the allocation's size class. VM goroutine.
func (r *request) ctxValue(L *lua.LState) *lua.LUserData {
	rp := r.rp
	if rp.ctx != nil {
		return &rp.ctx.ud
	}
	st := r.st
	if st.ctxMT == nil {
		// The context module's metatable, taken from a value it makes:
		// once per conn, so a request's ctx is one allocation.
		st.ctxMT = luactx.New(L, stdctx.Background()).Metatable
	}
	c := &reqContext{}
	c.ud.Value, c.ud.Metatable = c, st.ctxMT
	rp.ctx = c
	if rp.ended {
		c.cancel() // read after the handler returned: already over
		return &c.ud
	}
	st.rctx.mu.Lock()
	st.rctx.cur = c
	gone := st.gone.Load() // stored before cancelCtx takes the lock
	st.rctx.mu.Unlock()
	if gone {
		c.cancel()
	}
	return &c.ud
}

// endCtx cancels req.ctx as the handler returns (Go cancels r.Context()
// when ServeHTTP returns). VM goroutine.
func (rp *reply) endCtx() {
	rp.ended = true
	if rp.ctx == nil {
		return
	}
	st := rp.st
	st.rctx.mu.Lock()
	if st.rctx.cur == rp.ctx {
		st.rctx.cur = nil
	}
	st.rctx.mu.Unlock()
	rp.ctx.cancel()
}

// cancelCtx cancels the live req.ctx, if any, as the conn closes. Call it
// after st.gone is set. Loop goroutine.
func (st *sconn) cancelCtx() {
	st.rctx.mu.Lock()
	c := st.rctx.cur
	st.rctx.cur = nil
	st.rctx.mu.Unlock()
	if c != nil {
		c.cancel()
	}
}
