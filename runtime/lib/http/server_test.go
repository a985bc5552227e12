package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/codecs/http1/http1test"
)

// TestStrictnessOverSockets replays every RFC 9112 strictness case against
// a running server: each gets its status and a closed conn.
func TestStrictnessOverSockets(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "")
	for _, tc := range http1test.StrictCases {
		timeout := 3 * time.Second
		if len(tc.In) > 1<<20 {
			timeout = 20 * time.Second // megabytes to send first, on a loaded machine
		}
		res, err := http1test.Probe(addr, tc.In, timeout)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		if res.Status != tc.Status || !res.Closed {
			t.Errorf("%s: status %d closed %v, want %d and a close; got %.200q", tc.Name, res.Status, res.Closed, tc.Status, res.Raw)
		}
	}
	if got := l.log(); got != "" {
		t.Errorf("the handler ran for a malformed request: %s", got)
	}
}

// goGet fetches url n times with one Go client and reports for each whether
// Go's httptrace saw a reused conn.
func goGet(t *testing.T, client *http.Client, url string, n int) []bool {
	t.Helper()
	var reused []bool
	for range n {
		var info httptrace.GotConnInfo
		req, _ := http.NewRequest("GET", url, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { info = i }}))
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		reused = append(reused, info.Reused)
	}
	return reused
}

func TestGoClientKeepAlive(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	got := goGet(t, client, "http://"+addr+"/", 5)
	if want := []bool{false, true, true, true, true}; !equalBools(got, want) {
		t.Fatalf("Go saw reused %v, want %v", got, want)
	}
	log := strings.Fields(l.log())
	conn := strings.Split(log[0], ":")[0]
	want := []string{conn + ":1", conn + ":2", conn + ":3", conn + ":4", conn + ":5"}
	if strings.Join(log, " ") != strings.Join(want, " ") {
		t.Fatalf("server saw %v, want one conn carrying 5 requests", log)
	}
}

func TestServerKeepAlivesDisabled(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{keep_alives_enabled = false}")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	got := goGet(t, client, "http://"+addr+"/", 3)
	if !equalBools(got, []bool{false, false, false}) {
		t.Fatalf("Go saw reused %v", got)
	}
	log := strings.Fields(l.log())
	if len(log) != 3 || log[0] == log[1] || log[1] == log[2] || !strings.HasSuffix(log[2], ":1") {
		t.Fatalf("server saw %v, want three conns with one request each", log)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSlowloris: a client sending a header byte every 100 ms gets a 408 at
// read_header_timeout while another client is served.
func TestSlowloris(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{read_header_timeout = 0.5}")
	slow := dialRaw(t, addr)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, b := range []byte("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: 1234567890") {
			if _, err := slow.c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	goGet(t, client, "http://"+addr+"/", 2) // served meanwhile
	status, _, _ := slow.response(3 * time.Second)
	took := time.Since(start)
	if status != "HTTP/1.1 408 Request Timeout" {
		t.Fatalf("slowloris got %q", status)
	}
	if took < 450*time.Millisecond || took > 1500*time.Millisecond {
		t.Fatalf("408 after %v, want about 0.5 s (not reset by each byte)", took)
	}
	if closed, _ := slow.closedWithin(2 * time.Second); !closed {
		t.Fatalf("conn not closed after the 408")
	}
	<-done
}

// TestStalledBody: a body that stops arriving is closed at read_timeout.
func TestStalledBody(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{read_timeout = 0.4}")
	rc := dialRaw(t, addr)
	rc.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab")
	closed, took := rc.closedWithin(3 * time.Second)
	if !closed || took < 350*time.Millisecond || took > 1500*time.Millisecond {
		t.Fatalf("closed %v after %v, want a close at about 0.4 s", closed, took)
	}
}

// TestIdleTimeoutClosesIdleConn: after a response, an idle conn is closed
// at idle_timeout.
func TestIdleTimeoutClosesIdleConn(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{idle_timeout = 0.3}")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 200 OK" {
		t.Fatalf("status %q", status)
	}
	closed, took := rc.closedWithin(3 * time.Second)
	if !closed || took < 250*time.Millisecond || took > 1500*time.Millisecond {
		t.Fatalf("closed %v after %v, want about 0.3 s", closed, took)
	}
}

func TestPipelinedInOrder(t *testing.T) {
	l := newLab(t)
	// The first request's handler sleeps: the others must still come back after it.
	addr := l.serve(`function(req) if req.path == '/1' then sleep(0.1) end return 200, nil, req.path end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nPOST /3 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	var bodies []string
	for range 4 {
		_, _, body := rc.response(3 * time.Second)
		bodies = append(bodies, body)
	}
	if got := strings.Join(bodies, ","); got != "/1,/2,/3,/4" {
		t.Fatalf("bodies %s", got)
	}
	if closed, _ := rc.closedWithin(2 * time.Second); !closed {
		t.Fatalf("Connection: close did not close")
	}
}

func TestSetKeepAlivesEnabledAtRunTime(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "")
	idle := dialRaw(t, addr)
	idle.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	idle.response(2 * time.Second)
	l.eval("srv:set_keep_alives_enabled(false)")
	if closed, _ := idle.closedWithin(2 * time.Second); !closed {
		t.Fatalf("idle conn not closed by set_keep_alives_enabled(false)")
	}
	busy := dialRaw(t, addr)
	busy.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	_, head, _ := busy.response(2 * time.Second)
	if !strings.Contains(head, "Connection: close") {
		t.Fatalf("response without Connection: close:\n%s", head)
	}
}

func TestHandlerErrorIs500AndConnGoesOn(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) if req.path == '/boom' then error('kaboom') end return 200, nil, 'fine' end`, "")
	rc := dialRaw(t, addr)
	rc.send("GET /boom HTTP/1.1\r\nHost: a\r\n\r\n")
	if status, _, _ := rc.response(2 * time.Second); status != "HTTP/1.1 500 Internal Server Error" {
		t.Fatalf("status %q", status)
	}
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if _, _, body := rc.response(2 * time.Second); body != "fine" {
		t.Fatalf("body %q", body)
	}
	waitFor(t, "the error logged with file:line", 2*time.Second, func() bool { return strings.Contains(l.err.String(), "kaboom") })
	if !strings.Contains(l.err.String(), "test:") {
		t.Fatalf("error without file:line: %s", l.err)
	}
}

func TestMaxConns503(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{max_conns = 1}")
	first := dialRaw(t, addr)
	first.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	first.response(2 * time.Second)
	res, err := http1test.Probe(addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 2*time.Second)
	if err != nil || res.Status != 503 || !res.Closed {
		t.Fatalf("second conn: %+v %v", res, err)
	}
}

func TestExpectContinue(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) return 200, nil, 'got ' .. req.body end`, "")
	rc := dialRaw(t, addr)
	rc.send("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	rc.c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := rc.r.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("interim %q %v", line, err)
	}
	rc.r.ReadString('\n')
	rc.send("body")
	if _, _, body := rc.response(2 * time.Second); body != "got body" {
		t.Fatalf("body %q", body)
	}
}

func TestStreamingResponse(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req, res) for i = 1, 3 do res:write('part' .. i .. ';'); sleep(0.01) end end`, "")
	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "part1;part2;part3;" || len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
		t.Fatalf("body %q TE %v", b, res.TransferEncoding)
	}
}

func TestHeadAndNoBodyStatuses(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) if req.path == '/204' then return 204 end return 200, nil, 'twelve bytes' end`, "")
	rc := dialRaw(t, addr)
	rc.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.noBodies = true
	_, head, _ := rc.response(2 * time.Second)
	if !strings.Contains(head, "Content-Length: 12") {
		t.Fatalf("HEAD head:\n%s", head)
	}
	rc.send("GET /204 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	status, head, _ := rc.response(2 * time.Second)
	if status != "HTTP/1.1 204 No Content" || strings.Contains(head, "Content-Length") {
		t.Fatalf("204:\n%s", head)
	}
	if _, _, body := rc.response(2 * time.Second); body != "twelve bytes" {
		t.Fatalf("after HEAD and 204 the stream is out of step: %q", body)
	}
}

func TestHTTP10KeepAlive(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	_, head, _ := rc.response(2 * time.Second)
	if !strings.Contains(head, "Connection: keep-alive") {
		t.Fatalf("1.0 keep-alive:\n%s", head)
	}
	rc.send("GET / HTTP/1.0\r\n\r\n")
	_, head, _ = rc.response(2 * time.Second)
	if !strings.Contains(head, "Connection: close") {
		t.Fatalf("1.0 default:\n%s", head)
	}
	if closed, _ := rc.closedWithin(2 * time.Second); !closed {
		t.Fatalf("1.0 without keep-alive not closed")
	}
}

func TestMaxRequestsPerConn(t *testing.T) {
	l := newLab(t)
	addr := l.serve("", "{max_requests_per_conn = 2}")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	rc.response(2 * time.Second)
	_, head, _ := rc.response(2 * time.Second)
	if !strings.Contains(head, "Connection: close") {
		t.Fatalf("2nd of 2 without Connection: close:\n%s", head)
	}
}

func TestLoopVMs(t *testing.T) {
	handler := "testdata/hello_loop.lua" // inside the script's folder (the sandbox)
	l := newLab(t)
	addr := l.eval(fmt.Sprintf("srv = assert(http.listen('http://127.0.0.1:0', {vm = 'loop', handler = %q}))\nreturn srv.addr", handler))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := 1; i <= 3; i++ {
		res, err := client.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "hello from a loop VM" || res.Header.Get("X-Hits") != fmt.Sprint(i) {
			t.Fatalf("request %d: %q X-Hits %q", i, b, res.Header.Get("X-Hits"))
		}
	}
	// A handler file that does not return a function is reported, not run.
	bad := "testdata/bad_loop.lua"
	addr = l.eval(fmt.Sprintf("srv2 = assert(http.listen('http://127.0.0.1:0', nil, {vm = 'loop', handler = %q}))\nreturn srv2.addr", bad))
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Fatalf("a bad handler answered")
	}
	waitFor(t, "the handler error logged", 2*time.Second, func() bool { return strings.Contains(l.err.String(), "must return function(req, res)") })
}

// TestTenThousandRequestsOnOneConn: keep-alive holds for 10k requests when
// max_requests_per_conn allows them.
func TestTenThousandRequestsOnOneConn(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) conns[req.conn_id] = req.n; return 200, nil, 'ok' end`, "{max_requests_per_conn = 20000}")
	l.eval("conns = {}")
	rc := dialRaw(t, addr)
	const n, batch = 10000, 100
	req := strings.Repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", batch)
	for i := 0; i < n/batch; i++ {
		rc.send(req)
		for range batch {
			if status, _, _ := rc.response(5 * time.Second); status != "HTTP/1.1 200 OK" {
				t.Fatalf("request %d: %q", i*batch, status)
			}
		}
	}
	if got := l.eval("local k, v = next(conns); return tostring(next(conns, k) == nil) .. ' ' .. v"); got != "true 10000" {
		t.Fatalf("conns seen: %s, want one conn that carried 10000", got)
	}
}

// TestSlowReaderBoundedByMaxOutbound: a client that does not read cannot
// make the server buffer more than max_outbound: the conn is closed.
func TestSlowReaderBoundedByMaxOutbound(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req, res)
  local chunk = string.rep('x', 65536)
  for i = 1, 200 do                       -- 12.5 MiB in all
    local ok, err = res:write(chunk)
    if not ok then stopped = i .. ' ' .. err; return end
    sleep(0.001)
  end
  stopped = 'never'
end`, "{max_outbound = 1048576}")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	// Read nothing: the kernel buffers fill, then the server's outbound.
	waitFor(t, "the handler to stop writing", 10*time.Second, func() bool { return l.eval("return tostring(stopped)") != "nil" })
	got := l.eval("return stopped")
	var i int
	var why string
	fmt.Sscanf(got, "%d %s", &i, &why)
	if why != "closed" || i >= 200 {
		t.Fatalf("handler: %s; want a stop with \"closed\" well before 200 chunks", got)
	}
}

// Without --unsafe a loop-VM handler file outside the script's folder is
// refused with a message naming --unsafe, and nothing of it is shown.
func TestLoopHandlerSandboxed(t *testing.T) {
	l := newLab(t)
	addr := l.eval("srv3 = assert(http.listen('http://127.0.0.1:0', {vm = 'loop', handler = '../../../../../../etc/passwd'}))\nreturn srv3.addr")
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Fatalf("an outside handler answered")
	}
	waitFor(t, "the refusal logged", 2*time.Second, func() bool { return strings.Contains(l.err.String(), "--unsafe") })
	if strings.Contains(l.err.String(), "root:") {
		t.Errorf("the refusal shows the file: %s", l.err.String())
	}
}

// TestWriteTimeout: a handler slower than write_timeout gets its conn
// closed without a response.
func TestWriteTimeout(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req) sleep(1); return 200, nil, 'late' end`, "{write_timeout = 0.2}")
	rc := dialRaw(t, addr)
	rc.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	closed, took := rc.closedWithin(3 * time.Second)
	if !closed || took < 150*time.Millisecond || took > 900*time.Millisecond {
		t.Fatalf("closed %v after %v, want a close at about 0.2 s", closed, took)
	}
}
