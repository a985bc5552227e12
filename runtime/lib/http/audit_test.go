package http_test

// Tests for items of the HTTP/1.1 issue that had none: the req fields, the
// limit options over a socket, Date and Server, keep-alives switched off
// while a handler runs, the default max_requests_per_conn, 304 without a
// body, the client's default idle limit per host.

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/codecs/http1/http1test"
)

// TestRequestFields: every req field a handler reads, for a request with a
// query, a repeated field and a chunked body with a trailer; the second
// request on the conn has the same conn_id and n = 2.
func TestRequestFields(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  local hl = req.header_list
  return 200, nil, table.concat({req.method, req.path, req.query, req.target, req.version,
    req.headers['x-a'], req.headers.host, #hl, hl[2][1] .. '=' .. hl[2][2], hl[3][1] .. '=' .. hl[3][2],
    req.body, req.remote, tostring(req.conn_id), tostring(req.n), tostring(req.upgrade), tostring(req.nope)}, '|')
end`, "")
	rc := dialRaw(t, addr)
	rc.send("POST /p/q?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: t\r\n\r\n")
	_, _, body := rc.response(2 * time.Second)
	f := strings.Split(body, "|")
	want := []string{"POST", "/p/q", "x=1&y=2", "/p/q?x=1&y=2", "HTTP/1.1", "1, 2", "h", "4", "X-A=1", "x-a=2",
		"abcde", rc.c.LocalAddr().String()}
	if len(f) != 16 || strings.Join(f[:12], "|") != strings.Join(want, "|") || f[13] != "1" || f[14] != "nil" || f[15] != "nil" {
		t.Fatalf("fields %q\nwant %q then conn_id, 1, nil, nil", f, want)
	}
	rc.send("GET /?q HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\nX-A: 9\r\n\r\n")
	_, _, body = rc.response(2 * time.Second)
	g := strings.Split(body, "|")
	if len(g) < 14 || g[4] != "HTTP/1.0" || g[12] != f[12] || g[13] != "2" || g[2] != "q" || g[5] != "9" {
		t.Fatalf("second request: %q (conn_id %s)", g, f[12])
	}
}

// TestServerLimitOptions: max_header_bytes and max_body_bytes set from Lua
// are the ones a socket meets, and the answer names the limit.
func TestServerLimitOptions(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{max_header_bytes = 64, max_body_bytes = 10}")
	for _, tc := range []struct {
		in, text string
		status   int
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 64) + "\r\n\r\n", "", 431},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world", "max_body_bytes 10", 413},
		{http1test.ChunkedPOST("6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"), "max_body_bytes 10", 413},
	} {
		res, err := http1test.Probe(addr, tc.in, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tc.status || !res.Closed || !strings.Contains(string(res.Raw), tc.text) {
			t.Errorf("%.40q: status %d closed %v, want %d and a close naming %q; got %q", tc.in, res.Status, res.Closed, tc.status, tc.text, res.Raw)
		}
	}
	rc := dialRaw(t, addr)
	rc.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhelloworld")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 200 OK" {
		t.Fatalf("a body of exactly max_body_bytes: %q", status)
	}
}

// TestDateAndServerFields: every response carries a current Date in
// HTTP's format and Server: netplay; a handler's own Date, Server and
// Connection are dropped; an error answer (400) carries them too.
func TestDateAndServerFields(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) return 200, {Date = 'yesterday', Server = 'other', Connection = 'close', ['X-Own'] = '1'}, 'ok' end`, "")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	res, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	date, err := http.ParseTime(res.Header.Get("Date"))
	if err != nil || time.Since(date).Abs() > 5*time.Second || len(res.Header.Values("Date")) != 1 {
		t.Fatalf("Date %q (%v), want one current date", res.Header.Values("Date"), err)
	}
	if s := res.Header.Values("Server"); len(s) != 1 || s[0] != "netplay" || res.Close || res.Header.Get("X-Own") != "1" {
		t.Fatalf("Server %q, close %v, X-Own %q", s, res.Close, res.Header.Get("X-Own"))
	}
	bad, err := http1test.Probe(addr, "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 2*time.Second)
	if err != nil || bad.Status != 400 || !strings.Contains(bad.Head, "\r\nServer: netplay\r\n") || !strings.Contains(bad.Head, "\r\nDate: ") {
		t.Fatalf("400 head %q %v", bad.Head, err)
	}
}

// TestKeepAlivesOffWhileBusy: srv:set_keep_alives_enabled(false) while a
// handler runs: that response says Connection: close and its conn closes;
// turned back on, a new conn is kept alive again.
func TestKeepAlivesOffWhileBusy(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  if req.path == '/slow' then started = true; while not go_on do sleep(0.01) end end
  return 200, nil, 'ok'
end`, "")
	busy := dialRaw(t, addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	waitFor(t, "the handler to start", 2*time.Second, func() bool { return l.eval("return tostring(started)") == "true" })
	l.eval("srv:set_keep_alives_enabled(false)")
	// Busy: not closed under the running handler.
	if closed, _ := busy.closedWithin(100 * time.Millisecond); closed {
		t.Fatalf("a busy conn was closed before its response")
	}
	l.eval("go_on = true")
	_, head, body := busy.response(2 * time.Second)
	if !strings.Contains(head, "\r\nConnection: close\r\n") || body != "ok" {
		t.Fatalf("the busy conn's response:\n%s%s", head, body)
	}
	if closed, _ := busy.closedWithin(2 * time.Second); !closed {
		t.Fatalf("the busy conn was not closed after its response")
	}
	l.eval("srv:set_keep_alives_enabled(true)")
	again := dialRaw(t, addr)
	for range 2 {
		again.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if _, head, _ := again.response(2 * time.Second); strings.Contains(head, "Connection: close") {
			t.Fatalf("keep-alives back on, yet:\n%s", head)
		}
	}
}

// TestMaxRequestsPerConnDefault: by default the 1000th request on a conn
// (nginx's keepalive_requests) is answered with Connection: close and the
// conn is closed; the 999th is not.
func TestMaxRequestsPerConnDefault(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) return 200, nil, 'ok' end`, "")
	rc := dialRaw(t, addr)
	const batch = 100
	req := strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", batch)
	for i := 0; i < 1000; i += batch {
		rc.send(req)
		for j := 1; j <= batch; j++ {
			_, head, _ := rc.response(5 * time.Second)
			if n := i + j; strings.Contains(head, "Connection: close") != (n == 1000) {
				t.Fatalf("request %d:\n%s", n, head)
			}
		}
	}
	if closed, _ := rc.closedWithin(2 * time.Second); !closed {
		t.Fatalf("not closed after request 1000")
	}
}

// TestNotModifiedHasNoBody: a 304 goes out without the body the handler
// returned, and the next response on the conn is in step.
func TestNotModifiedHasNoBody(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) if req.path == '/304' then return 304, {ETag = '"v1"'}, 'ignored' end return 200, nil, 'after' end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET /304 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.noBodies = true
	status, head, _ := rc.response(2 * time.Second)
	if status != "HTTP/1.1 304 Not Modified" || !strings.Contains(head, `ETag: "v1"`) {
		t.Fatalf("304:\n%s", head)
	}
	if _, _, body := rc.response(2 * time.Second); body != "after" {
		t.Fatalf("after a 304 the stream is out of step: %q", body)
	}
}

// TestHandlerErrorLogsFileLine: the 500's log line names the handler's
// chunk and line and the error.
func TestHandlerErrorLogsFileLine(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  local x = nil
  return x.field
end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 500 Internal Server Error" {
		t.Fatalf("status %q", status)
	}
	re := regexp.MustCompile(`test:4:.*field`)
	waitFor(t, "the error logged as test:4", 2*time.Second, func() bool { return re.MatchString(l.err.String()) })
}

// TestClientDefaultIdlePerHost: http.client{} keeps Go's default of 2 idle
// conns per host: three conns opened at once leave two idle.
func TestClientDefaultIdlePerHost(t *testing.T) {
	l := newLab(t)
	// Each handler waits until all three requests are in: three conns at once.
	l.serve(`function(req)
  hits = hits + 1
  local t0 = timer.now()
  while hits < 3 and timer.now() - t0 < 5 do sleep(0.01) end
  return 200, nil, 'ok'
end`, "")
	l.eval("hits = 0")
	got := l.eval(`
local cl = http.client{}
local left = 3
for i = 1, 3 do timer.after(0, function() assert(cl:get(srv.url)); left = left - 1 end) end
while left > 0 do sleep(0.01) end
local s = cl:stats()[srv.url]
return 'opened=' .. s.opened .. ' idle=' .. s.idle`)
	if got != "opened=3 idle=2" {
		t.Fatalf("got %s", got)
	}
}

// TestClientAbortClosesConn: a request ended by its ctx or its timeout
// closes its conn (Go's error text) instead of pooling it; a large body
// read to the end leaves its conn reusable.
func TestClientAbortClosesConn(t *testing.T) {
	l := newLab(t)
	l.serve(`function(req)
  if req.path == '/slow' then sleep(1) end
  if req.path == '/big' then return 200, nil, string.rep('x', 1048576) end
  return 200, nil, 'ok'
end`, "")
	got := l.eval(`
local cl = http.client{}
local out = {}
local function note(res, err)
  local s = cl:stats()[srv.url]
  out[#out+1] = (res and (#res.body .. ' reused=' .. tostring(res.reused)) or tostring(err)) .. ' opened=' .. s.opened .. ' idle=' .. s.idle
end
note(cl:get(srv.url .. '/big'))
note(cl:get(srv.url .. '/'))
local ctx = context.with_timeout(context.background(), 0.1)
note(cl:get(srv.url .. '/slow', {ctx = ctx}))
note(cl:get(srv.url .. '/'))
note(cl:get(srv.url .. '/slow', {timeout = 0.1}))
note(cl:get(srv.url .. '/'))
return table.concat(out, '\n')`)
	want := strings.Join([]string{
		"1048576 reused=false opened=1 idle=1",
		"2 reused=true opened=1 idle=1",
		"context deadline exceeded opened=1 idle=0",
		"2 reused=false opened=2 idle=1",
		"context deadline exceeded opened=2 idle=0",
		"2 reused=false opened=3 idle=1",
	}, "\n")
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
