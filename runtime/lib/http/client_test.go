package http_test

import (
	"bufio"
	"fmt"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// goServer is Go's net/http server counting the conns it accepted.
func goServer(t *testing.T, configure func(*http.Server)) (url string, newConns *atomic.Int32) {
	t.Helper()
	newConns = &atomic.Int32{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, r.Header.Get("X-Test"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, newConns
}

func TestClientReusesConnToGoServer(t *testing.T) {
	url, conns := goServer(t, nil)
	l := newLab(t)
	got := l.eval(fmt.Sprintf(`
local cl = http.client{}
local out = {}
for i = 1, 5 do
  local res = assert(cl:get(%q .. '/p' .. i, {headers = {['X-Test'] = 'v'}}))
  out[#out+1] = res.body .. '|' .. tostring(res.reused) .. '|' .. tostring(res.was_idle) .. '|' .. res.conn_id
end
local s = cl:stats()[%q]
out[#out+1] = 'opened=' .. s.opened .. ' reused=' .. s.reused .. ' idle=' .. s.idle
return table.concat(out, '\n')`, url, url))
	lines := strings.Split(got, "\n")
	id := strings.Split(lines[0], "|")[3]
	want := []string{
		"GET /p1 v|false|false|" + id, "GET /p2 v|true|true|" + id, "GET /p3 v|true|true|" + id,
		"GET /p4 v|true|true|" + id, "GET /p5 v|true|true|" + id, "opened=1 reused=4 idle=1",
	}
	if got != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("Go's server saw %d conns, want 1", n)
	}
}

func TestClientDisableKeepAlives(t *testing.T) {
	url, conns := goServer(t, nil)
	l := newLab(t)
	got := l.eval(fmt.Sprintf(`
local cl = http.client{disable_keep_alives = true}
local n = 0
for i = 1, 3 do if not assert(cl:get(%q)).reused then n = n + 1 end end
return n`, url))
	if got != "3" || conns.Load() != 3 {
		t.Fatalf("new conns seen by the client %s, by the server %d; want 3 and 3", got, conns.Load())
	}
}

func TestClientAgainstGoServerWithoutKeepAlives(t *testing.T) {
	url, conns := goServer(t, func(s *http.Server) { s.SetKeepAlivesEnabled(false) })
	l := newLab(t)
	got := l.eval(fmt.Sprintf(`
local cl = http.client{}
local r = {}
for i = 1, 3 do local res = assert(cl:get(%q)); r[#r+1] = tostring(res.reused) end
return table.concat(r, ',')`, url))
	if got != "false,false,false" || conns.Load() != 3 {
		t.Fatalf("reused %s, server conns %d", got, conns.Load())
	}
}

// TestClientServerIdleTimeoutShorter: Go's server closes idle conns after
// 100 ms, the client would keep them 90 s: the next request after a pause
// goes out on a new conn, without an error.
func TestClientServerIdleTimeoutShorter(t *testing.T) {
	url, conns := goServer(t, func(s *http.Server) { s.IdleTimeout = 100 * time.Millisecond })
	l := newLab(t)
	got := l.eval(fmt.Sprintf(`
local cl = http.client{}
local a = assert(cl:get(%q))
local b = assert(cl:get(%q))
sleep(0.4)
local c = assert(cl:get(%q))
return tostring(a.reused) .. ',' .. tostring(b.reused) .. ',' .. tostring(c.reused)`, url, url, url))
	if got != "false,true,false" || conns.Load() != 2 {
		t.Fatalf("reused %s, server conns %d; want false,true,false and 2", got, conns.Load())
	}
}

// flakyServer answers the first request of each conn with keep-alive and
// closes the conn, without answering, when a second request arrives on it:
// a server that closed an idle conn just as the client reused it.
func flakyServer(t *testing.T) (addr string, requests *atomic.Int32) {
	t.Helper()
	requests = &atomic.Int32{}
	addr = testkit.GoServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for n := 0; ; n++ {
			req, err := http.ReadRequest(r)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			requests.Add(1)
			if n == 1 {
				return // close instead of answering
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	return addr, requests
}

func TestClientRetryRule(t *testing.T) {
	addr, _ := flakyServer(t)
	l := newLab(t)
	// GET is idempotent: retried once on a new conn.
	got := l.eval(fmt.Sprintf(`
local cl = http.client{}
assert(cl:get('http://%s/'))
local res, err = cl:get('http://%s/')
return tostring(res and res.status) .. ' ' .. tostring(res and res.reused) .. ' ' .. tostring(err)`, addr, addr))
	if got != "200 false nil" {
		t.Fatalf("GET on a reused conn the server dropped: %s", got)
	}
	// POST, written in full: not retried; Go's error text.
	got = l.eval(fmt.Sprintf(`
local cl = http.client{}
assert(cl:post('http://%s/', 'a'))
local res, err = cl:post('http://%s/', 'b')
return tostring(res) .. ' ' .. tostring(err)`, addr, addr))
	if got != "nil http: server closed idle connection" {
		t.Fatalf("POST: %s", got)
	}
}

func TestClientTimeoutAndContext(t *testing.T) {
	l := newLab(t)
	l.serve(`function(req) local t0 = timer.now(); req.ctx:wait(); server_saw = req.ctx:err(); return 200 end`, "")
	got := l.eval(`
local cl = http.client{timeout = 0.2}
local res, err = cl:get(srv.url)
local ctx = context.with_timeout(context.background(), 0.1)
local res2, err2 = http.client():get(srv.url, {ctx = ctx})
return tostring(err) .. '|' .. tostring(err2)`)
	if got != "context deadline exceeded|context deadline exceeded" {
		t.Fatalf("got %s", got)
	}
	// The canceled request closed its conn; the server's req.ctx ended.
	waitFor(t, "the server's req.ctx to end", 2*time.Second, func() bool {
		return l.eval("return tostring(server_saw)") == "context canceled"
	})
}

func TestClientResponseHeaderTimeout(t *testing.T) {
	l := newLab(t)
	l.serve(`function(req) sleep(0.5); return 200 end`, "")
	got := l.eval(`local res, err = http.client{response_header_timeout = 0.1}:get(srv.url); return tostring(err)`)
	if got != "net/http: timeout awaiting response headers" {
		t.Fatalf("got %s", got)
	}
}

func TestClientRedirects(t *testing.T) {
	l := newLab(t)
	l.serve(`function(req)
  local n = tonumber(req.path:match('^/r(%d+)$'))
  if n and n > 0 then return 302, {Location = '/r' .. (n - 1)} end
  return 200, nil, 'landed ' .. req.path .. ' ' .. req.method
end`, "")
	got := l.eval(`
local a = assert(http.get(srv.url .. '/r3'))
local b, err = http.get(srv.url .. '/r11')
local c = assert(http.client{follow_redirects = false}:get(srv.url .. '/r1'))
local d = assert(http.post(srv.url .. '/r1', 'x'))
return a.body .. '|' .. tostring(err) .. '|' .. c.status .. '|' .. d.body`)
	if got != "landed /r0 GET|stopped after 10 redirects|302|landed /r0 GET" {
		t.Fatalf("got %s", got)
	}
}

func TestClientMaxConnsPerHost(t *testing.T) {
	l := newLab(t)
	// A handler waits for a second one in flight (bounded), so two conns are
	// in use at once however loaded the machine; peak is the most in flight.
	l.serve(`function(req)
  inflight = inflight + 1
  peak = math.max(peak, inflight)
  local t0 = timer.now()
  while inflight < 2 and timer.now() - t0 < 2 do sleep(0.01) end
  sleep(0.02)
  inflight = inflight - 1
  return 200, nil, tostring(req.conn_id)
end`, "")
	l.eval("inflight, peak = 0, 0")
	got := l.eval(`
local cl = http.client{max_conns_per_host = 2}
local left, ids = 6, {}
for i = 1, 6 do
  timer.after(0, function() local r = assert(cl:get(srv.url)); ids[r.body] = true; left = left - 1 end)
end
while left > 0 do sleep(0.01) end
local n = 0
for _ in pairs(ids) do n = n + 1 end
return n .. ' ' .. cl:stats()[srv.url].opened .. ' ' .. peak`)
	if got != "2 2 2" {
		t.Fatalf("6 concurrent requests with max_conns_per_host 2 used conns/opened/peak in flight: %s", got)
	}
}

func TestClientIdleConnTimeout(t *testing.T) {
	l := newLab(t)
	l.serve("", "")
	got := l.eval(`
local cl = http.client{idle_conn_timeout = 0.1}
assert(cl:get(srv.url))
sleep(0.3)
local r = assert(cl:get(srv.url))
local s = cl:stats()[srv.url]
return tostring(r.reused) .. ' opened=' .. s.opened .. ' closed_idle=' .. s.closed_idle`)
	if got != "false opened=2 closed_idle=1" {
		t.Fatalf("got %s", got)
	}
}

func TestClientTrace(t *testing.T) {
	l := newLab(t)
	l.serve("", "")
	l.eval(`local cl = http.client{trace = true}; cl:get(srv.url .. '/'); cl:get(srv.url .. '/')`)
	out := l.out.String()
	if !strings.Contains(out, "GET http://"+strings.TrimPrefix(l.eval("return srv.url"), "http://")+"/ → 200, conn ") ||
		!strings.Contains(out, " new\n") || !strings.Contains(out, " reused after 0.0 s idle\n") {
		t.Fatalf("trace output:\n%s", out)
	}
}
