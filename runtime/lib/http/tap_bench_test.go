package http_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// BenchmarkKeepAliveRequest is one GET on a kept-alive conn to a script-VM
// http.listen server, answered and read back: the path the tap's hooks sit
// on (one atomic load per read and per write when no tap is attached).
func BenchmarkKeepAliveRequest(b *testing.B) {
	addr := benchServer(b, "srv = assert(http.listen('http://127.0.0.1:0', function(req) return 200, nil, 'ok' end, {max_requests_per_conn = 1e9}))\nreturn srv.addr")
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	req := []byte("GET /x HTTP/1.1\r\nHost: bench\r\n\r\n")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if err := readResponse(r); err != nil {
			b.Fatal(err)
		}
	}
}

// benchServer runs src on a fresh runtime's script VM (stopped when b
// ends) and returns its first result.
func benchServer(b *testing.B, src string) string {
	b.Helper()
	out := &syncBuf{}
	rt, err := runtime.New(runtime.Options{Stdout: out, Stderr: out, Loops: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	var got string
	err = rt.Eval(context.Background(), "bench", src, func(L *lua.LState, vals []lua.LValue) {
		if len(vals) > 0 {
			got = vals[0].String()
		}
	})
	if err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	return got
}

// readResponse reads one response head and its 2-byte body ("ok").
func readResponse(r *bufio.Reader) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) == 2 {
			break
		}
	}
	_, err := io.CopyN(io.Discard, r, 2)
	return err
}
