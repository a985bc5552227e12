package http_test

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestReqCtxDoneAfterReply: a handler that keeps req.ctx (and req) sees it
// done once it has returned, as Go cancels r.Context() when ServeHTTP
// returns; while it runs, the ctx is live and reading it twice gives the
// same value.
func TestReqCtxDoneAfterReply(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  kept, kept_req = req.ctx, req
  same = rawequal(req.ctx, req.ctx)
  during = tostring(req.ctx:err())
  child = context.with_timeout(req.ctx, 30)
  req.ctx:on_done(function(e) on_done_saw = e end)
  timer.after(0.05, function() later = tostring(kept:err()) end)
  return 200, nil, 'ok'
end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 200 OK" {
		t.Fatalf("status %q", status)
	}
	if got := l.eval("return tostring(same) .. ' ' .. during"); got != "true nil" {
		t.Fatalf("during the handler: same ctx, err = %s; want true nil", got)
	}
	// Cancelled before the response was sent: done as soon as it is read.
	if got := l.eval("return tostring(kept:err()) .. ' ' .. tostring(kept:done())"); got != "context canceled true" {
		t.Fatalf("kept ctx after the reply: %s", got)
	}
	waitFor(t, "the timer to check the kept ctx", 2*time.Second, func() bool {
		return l.eval("return tostring(later)") == "context canceled"
	})
	// A child context and ctx:on_done follow it.
	waitFor(t, "the child ctx and on_done", 2*time.Second, func() bool {
		return l.eval("return tostring(child:err()) .. ' ' .. tostring(on_done_saw)") == "context canceled context canceled"
	})
	// req.ctx first read after the handler returned is done too.
	if got := l.eval("return tostring(kept_req.ctx:err())"); got != "context canceled" {
		t.Fatalf("req.ctx read after the reply: %s", got)
	}
	// The conn is still open and serves the next request.
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 200 OK" {
		t.Fatalf("second request: status %q", status)
	}
}

// TestReqCtxPerRequest: two requests on one keep-alive conn get two
// contexts; the first one's end does not end the second.
func TestReqCtxPerRequest(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  ctxs = ctxs or {}
  ctxs[#ctxs + 1] = req.ctx
  errs = (errs or '') .. tostring(req.ctx:err()) .. ';'
  return 200, nil, 'ok'
end`, "")
	rc := dialRaw(t, addr)
	// Pipelined: the second is dispatched as the first's response goes out.
	rc.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.response(2 * time.Second)
	rc.response(2 * time.Second)
	rc.send("GET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.response(2 * time.Second)
	got := l.eval(`return #ctxs .. ' ' .. tostring(rawequal(ctxs[1], ctxs[2])) .. ' ' .. tostring(rawequal(ctxs[2], ctxs[3])) .. ' ' .. errs`)
	if got != "3 false false nil;nil;nil;" {
		t.Fatalf("got %q, want 3 distinct contexts, each live while its handler ran", got)
	}
	if got := l.eval("return ctxs[1]:err() .. ctxs[2]:err() .. ctxs[3]:err()"); got != strings.Repeat("context canceled", 3) {
		t.Fatalf("after the replies: %s", got)
	}
}

// TestReqCtxClientGoesAway: a client that closes (or resets) its conn
// mid-handler cancels req.ctx, whether the handler read it before the close
// or reads it first after.
func TestReqCtxClientGoesAway(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  if req.path == '/wait' then
    started = true
    saw_wait = req.ctx:wait()
  else
    started_late = true
    while not go_on do sleep(0.01) end
    saw_late = tostring(req.ctx:err())
  end
  return 200
end`, "")
	for _, reset := range []bool{false, true} {
		l.eval("started, saw_wait = nil, nil")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET /wait HTTP/1.1\r\nHost: a\r\n\r\n"))
		waitFor(t, "the handler to start", 2*time.Second, func() bool { return l.eval("return tostring(started)") == "true" })
		if reset {
			c.(*net.TCPConn).SetLinger(0) // close sends RST
		}
		c.Close()
		waitFor(t, "req.ctx to end as the client left", 2*time.Second, func() bool {
			return l.eval("return tostring(saw_wait)") == "context canceled"
		})
	}
	// Made after the conn closed: done at once.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /late HTTP/1.1\r\nHost: a\r\n\r\n"))
	waitFor(t, "the handler to start", 2*time.Second, func() bool { return l.eval("return tostring(started_late)") == "true" })
	c.Close()
	waitFor(t, "the server to see the close", 2*time.Second, func() bool { return l.eval("return srv:stats().active") == "0" })
	l.eval("go_on = true")
	waitFor(t, "the late handler to check its ctx", 2*time.Second, func() bool {
		return l.eval("return tostring(saw_late)") == "context canceled"
	})
}

// TestReqCtxServerShutdown: srv:close cancels the ctx of a request under
// way (and srv.ctx) as the shutdown begins, within its grace period.
func TestReqCtxServerShutdown(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) started = true; saw = req.ctx:wait(); return 200 end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	waitFor(t, "the handler to start", 2*time.Second, func() bool { return l.eval("return tostring(started)") == "true" })
	start := time.Now()
	l.eval("srv:close(10)")
	waitFor(t, "req.ctx to end at shutdown", 3*time.Second, func() bool {
		return l.eval("return tostring(saw) .. ' ' .. tostring(srv.ctx:err())") == "context canceled context canceled"
	})
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v, not at the start of a 10 s grace period", d)
	}
}

// TestReqCtxLoopVM: the same on loop VMs: live while the handler runs, done
// after its reply, a fresh one for the next request on the conn.
func TestReqCtxLoopVM(t *testing.T) {
	l := newLab(t)
	addr := l.eval("srv = assert(http.listen('http://127.0.0.1:0', {vm = 'loop', handler = 'testdata/ctx_loop.lua'}))\nreturn srv.addr")
	rc := dialRaw(t, addr)
	for range 2 {
		rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 200 OK" {
			t.Fatalf("status %q", status)
		}
	}
	const q = "local d = shared.dict('ctx'); return tostring(d:get('during1')) .. ' ' .. tostring(d:get('during2')) .. ' ' .. tostring(d:get('later1')) .. ' ' .. tostring(d:get('later2'))"
	waitFor(t, "the loop VM's timers to check the kept ctxs", 2*time.Second, func() bool {
		return l.eval(q) == "nil nil context canceled context canceled"
	})
}

// TestReqCtxWriteTimeout: write_timeout closes the conn of a handler that
// is too slow, which ends its req.ctx (so the handler can stop; Go's
// WriteTimeout leaves r.Context() alone).
func TestReqCtxWriteTimeout(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) saw = req.ctx:wait(); return 200 end`, "{write_timeout = 0.2}")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if closed, _ := rc.closedWithin(3 * time.Second); !closed {
		t.Fatalf("not closed at write_timeout")
	}
	waitFor(t, "req.ctx to end at write_timeout", 2*time.Second, func() bool {
		return l.eval("return tostring(saw)") == "context canceled"
	})
}
