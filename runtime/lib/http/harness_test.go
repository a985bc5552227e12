package http_test

import (
	"bufio"
	"context"
	"fmt"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// syncBuf collects a runtime's output.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lab is one runtime for a test, stopped when it ends.
type lab struct {
	t   *testing.T
	rt  *runtime.Runtime
	out *syncBuf
	err *syncBuf
}

func newLab(t *testing.T) *lab {
	t.Helper()
	l := &lab{t: t, out: &syncBuf{}, err: &syncBuf{}}
	rt, err := runtime.New(runtime.Options{Stdout: l.out, Stderr: l.err, Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	l.rt = rt
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", l.out, l.err)
		}
	})
	return l
}

// eval runs src on the script VM and returns its first result as a string.
func (l *lab) eval(src string) string {
	l.t.Helper()
	var got string
	err := l.rt.Eval(context.Background(), "test", src, func(L *lua.LState, vals []lua.LValue) {
		if len(vals) > 0 {
			got = vals[0].String()
		}
	})
	if err != nil {
		l.t.Fatalf("%v\nstderr: %s", err, l.err)
	}
	return got
}

// serve starts http.listen with a handler that logs "conn_id:n" per request
// in the global `log`, and returns the server's address.
func (l *lab) serve(handler, opts string) string {
	l.t.Helper()
	if handler == "" {
		handler = `function(req) log[#log+1] = req.conn_id .. ':' .. req.n; return 200, nil, 'ok ' .. req.path end`
	}
	if opts == "" {
		opts = "{}"
	}
	return l.eval(fmt.Sprintf("log = {}\nsrv = assert(http.listen('http://127.0.0.1:0', %s, %s))\nreturn srv.addr", handler, opts))
}

// log returns the requests the server saw as "conn:n" strings.
func (l *lab) log() string { return l.eval("return table.concat(log, ' ')") }

// waitFor is testkit.WaitFor with this package's argument order.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, d, what, cond)
}

// rawConn is a client conn that writes bytes and reads responses as text.
type rawConn struct {
	t        *testing.T
	c        net.Conn
	r        *bufio.Reader
	noBodies bool // the next response answers HEAD: no body follows
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(s string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.c, s); err != nil {
		rc.t.Fatal(err)
	}
}

// response reads one response with a Content-Length body; it returns the
// status line, the head and the body.
func (rc *rawConn) response(timeout time.Duration) (status, head, body string) {
	rc.t.Helper()
	rc.c.SetReadDeadline(time.Now().Add(timeout))
	var h strings.Builder
	n := 0
	for {
		line, err := rc.r.ReadString('\n')
		if err != nil {
			rc.t.Fatalf("reading a response: %v (so far %q)", err, h.String())
		}
		h.WriteString(line)
		if status == "" {
			status = strings.TrimSpace(line)
		}
		if line == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "content-length") {
			fmt.Sscan(strings.TrimSpace(v), &n)
		}
	}
	if rc.noBodies {
		rc.noBodies = false
		n = 0
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rc.r, b); err != nil {
		rc.t.Fatalf("reading a body: %v", err)
	}
	return status, h.String(), string(b)
}

// closedWithin reports whether the server closes the conn within d (all
// bytes before the close are discarded) and how long that took.
func (rc *rawConn) closedWithin(d time.Duration) (bool, time.Duration) {
	start := time.Now()
	rc.c.SetReadDeadline(start.Add(d))
	_, err := io.Copy(io.Discard, rc.r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, time.Since(start)
	}
	return true, time.Since(start)
}
