package core

import (
	"io"
	"net"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchServer runs src, which must set the global ADDR to a listener's
// address, on a new runtime stopped when the benchmark ends.
func benchServer(b *testing.B, src string) string {
	b.Helper()
	rt, err := newWith(Options{Stdout: io.Discard, Stderr: io.Discard})
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

// runClients dials conns connections to addr and, on a goroutine per
// connection, runs the round that newRound makes for it (with its own
// buffers) rounds times; it returns when all are done.
func runClients(b *testing.B, addr string, conns, rounds int, newRound func() func(c net.Conn) error) {
	b.Helper()
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			round := newRound()
			for j := 0; j < rounds; j++ {
				if err := round(c); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkEcho measures round trips of 64-byte messages over 50 conns
// (depth 1) through the script VM and through loop VMs.
func BenchmarkEcho(b *testing.B) {
	for _, tc := range []struct {
		name string
		src  string
	}{
		{name: "script-vm", src: `local s = net.listen("tcp://127.0.0.1:0", {on_message = function(c, m) c:send(m) end}) ADDR = s.addr`},
		{name: "loop-vms", src: `local s = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "../../../scripts/examples/handlers/echo_handler.lua"}) ADDR = s.addr`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			addr := benchServer(b, tc.src)
			const conns = 50
			b.ResetTimer()
			runClients(b, addr, conns, b.N/conns+1, func() func(net.Conn) error {
				msg, buf := make([]byte, 64), make([]byte, 64)
				return func(c net.Conn) error {
					if _, err := c.Write(msg); err != nil {
						return err
					}
					_, err := io.ReadFull(c, buf)
					return err
				}
			})
		})
	}
}
