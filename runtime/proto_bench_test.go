package runtime

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/netplay-lab/netplay/codecs/ws"
	lua "github.com/yuin/gopher-lua"
)

// protoBenchServer runs src (which sets the global ADDR) on a new runtime
// and returns ADDR.
func protoBenchServer(b *testing.B, src string) string {
	b.Helper()
	rt, err := New(Options{Stdout: io.Discard, Stderr: io.Discard, Unsafe: true}) // Unsafe: handlers from ../scripts
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Stop(b.Context()) })
	if err := rt.RunString("bench.lua", src); err != nil {
		b.Fatal(err)
	}
	var addr string
	rt.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
	return addr
}

// protoClients runs rounds of round on conns connections at once. It
// reports cpu-ns/op, the process's CPU time (server and clients) per op,
// which moves less than ns/op when other work shares the machine.
func protoClients(b *testing.B, conns, rounds int, dial func() (net.Conn, *bufio.Reader, error), round func(net.Conn, *bufio.Reader) error) {
	b.Helper()
	cpu0 := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op") }()
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, r, err := dial()
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			for j := 0; j < rounds; j++ {
				if err := round(c, r); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkHTTPHello measures keep-alive requests to a "hello" handler,
// one in flight per conn over 8 conns; one op is one request.
func BenchmarkHTTPHello(b *testing.B) {
	const conns = 8
	for _, tc := range []struct{ name, src string }{
		{"script-vm", `local s = http.listen("http://127.0.0.1:0", function(req) return 200, nil, "hello\n" end, {max_requests_per_conn = 1e7}) ADDR = s.addr`},
		{"loop-vms", `local s = http.listen("http://127.0.0.1:0", {vm = "loop", handler = "../scripts/examples/http_hello_handler.lua", max_requests_per_conn = 1e7}) ADDR = s.addr`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			addr := protoBenchServer(b, tc.src)
			req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n")
			b.ResetTimer()
			protoClients(b, conns, b.N/conns+1, func() (net.Conn, *bufio.Reader, error) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					return nil, nil, err
				}
				return c, bufio.NewReader(c), nil
			}, func(c net.Conn, r *bufio.Reader) error {
				if _, err := c.Write(req); err != nil {
					return err
				}
				n := -1
				for { // the head, then Content-Length bytes
					line, err := r.ReadSlice('\n')
					if err != nil {
						return err
					}
					if len(line) <= 2 {
						break
					}
					if v, ok := strings.CutPrefix(string(line), "Content-Length: "); ok {
						fmt.Sscan(v, &n)
					}
				}
				if n != len("hello\n") {
					return fmt.Errorf("Content-Length %d", n)
				}
				_, err := r.Discard(n)
				return err
			})
		})
	}
}

// BenchmarkWSEcho measures WebSocket echo of 64-byte text messages over 8
// conns, depth messages in flight per conn (written at once, so a read
// carries about depth frames); one op is one message.
func BenchmarkWSEcho(b *testing.B) {
	const conns = 8
	for _, tc := range []struct{ name, src string }{
		{"script-vm", `local s = ws.listen("ws://127.0.0.1:0/", {on_message = function(c, m, kind) c:send(m) end}) ADDR = s.addr`},
		{"loop-vms", `local s = ws.listen("ws://127.0.0.1:0/", {vm = "loop", handler = "../scripts/examples/handlers/ws_echo_handler.lua"}) ADDR = s.addr`},
	} {
		for _, depth := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/depth-%d", tc.name, depth), func(b *testing.B) {
				b.ReportAllocs()
				addr := protoBenchServer(b, tc.src)
				msg := bytes.Repeat([]byte("x"), 64)
				var batch []byte
				for i := 0; i < depth; i++ {
					batch = ws.AppendFrame(batch, ws.Header{Fin: true, Op: ws.OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}}, msg)
				}
				reply := 2 + len(msg)
				b.ResetTimer()
				protoClients(b, conns, b.N/(conns*depth)+1, func() (net.Conn, *bufio.Reader, error) {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						return nil, nil, err
					}
					hs := "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
						"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
					if _, err := c.Write([]byte(hs)); err != nil {
						return nil, nil, err
					}
					r := bufio.NewReader(c)
					for {
						line, err := r.ReadSlice('\n')
						if err != nil {
							return nil, nil, err
						}
						if len(line) <= 2 {
							return c, r, nil
						}
					}
				}, func(c net.Conn, r *bufio.Reader) error {
					if _, err := c.Write(batch); err != nil {
						return err
					}
					_, err := r.Discard(reply * depth)
					return err
				})
			})
		}
	}
}
