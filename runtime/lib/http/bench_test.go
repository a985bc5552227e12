package http_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// BenchmarkServer measures one keep-alive request and its response on one
// conn, round trip, for a hello handler on the script VM and on loop VMs,
// with and without reading req.ctx (which is made on first read). The
// client side allocates nothing, so allocs/op is the server's.
func BenchmarkServer(b *testing.B) {
	cases := []struct{ name, listen string }{
		{"script", `http.listen('http://127.0.0.1:0', function() return 200, nil, 'hello' end, {max_requests_per_conn = -1})`},
		{"script-ctx", `http.listen('http://127.0.0.1:0', function(req) if req.ctx:err() then return 503 end return 200, nil, 'hello' end, {max_requests_per_conn = -1})`},
		{"loop", `http.listen('http://127.0.0.1:0', {vm = 'loop', handler = 'testdata/bench_loop.lua', max_requests_per_conn = -1})`},
		{"loop-ctx", `http.listen('http://127.0.0.1:0', {vm = 'loop', handler = 'testdata/bench_ctx_loop.lua', max_requests_per_conn = -1})`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			addr := benchListen(b, tc.listen)
			c, err := net.DialTimeout("tcp", addr, 2*time.Second)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
			// The response's size is the same every time (Date has a
			// fixed width): learn it from the first one.
			buf := make([]byte, 4096)
			size := firstResponseSize(b, c, req, buf)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf[:size]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if !bytes.HasSuffix(buf[:size], []byte("hello")) {
				b.Fatalf("last response %q", buf[:size])
			}
		})
	}
}

// benchListen starts a runtime and evaluates listen, an http.listen call,
// returning the server's address.
func benchListen(b *testing.B, listen string) string {
	b.Helper()
	rt, err := runtime.New(runtime.Options{Stdout: io.Discard, Stderr: io.Discard, Loops: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	var addr string
	err = rt.Eval(context.Background(), "bench", fmt.Sprintf("srv = assert(%s)\nreturn srv.addr", listen), func(L *lua.LState, vals []lua.LValue) {
		addr = vals[0].String()
	})
	if err != nil {
		b.Fatal(err)
	}
	return addr
}

// firstResponseSize sends req once and returns the size of its response
// (head and Content-Length body).
func firstResponseSize(b *testing.B, c net.Conn, req, buf []byte) int {
	b.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	if _, err := c.Write(req); err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		m, err := c.Read(buf[n:])
		if err != nil {
			b.Fatal(err)
		}
		n += m
		if i := bytes.Index(buf[:n], []byte("\r\n\r\n")); i >= 0 {
			var cl int
			if j := bytes.Index(bytes.ToLower(buf[:i]), []byte("content-length: ")); j >= 0 {
				fmt.Sscan(string(buf[j+16:i]), &cl)
			}
			for n < i+4+cl {
				m, err := c.Read(buf[n:])
				if err != nil {
					b.Fatal(err)
				}
				n += m
			}
			return i + 4 + cl
		}
	}
}

// BenchmarkServerConnPerRequest measures a request on a conn of its own
// (Connection: close): accept, request, response, close. allocs/op counts
// the client's dial too, the same for every server build.
func BenchmarkServerConnPerRequest(b *testing.B) {
	addr := benchListen(b, `http.listen('http://127.0.0.1:0', function() return 200, nil, 'hello' end)`)
	req := []byte("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			m, err := c.Read(buf[n:])
			n += m
			if err != nil {
				break
			}
		}
		c.Close()
		if !bytes.HasSuffix(buf[:n], []byte("hello")) {
			b.Fatalf("response %q", buf[:n])
		}
	}
}
