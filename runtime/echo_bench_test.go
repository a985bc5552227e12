package runtime

import (
	"io"
	"net"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkEcho measures round trips of 64-byte messages over 50 conns
// (depth 1) through the script VM and through loop VMs.
func BenchmarkEcho(b *testing.B) {
	for _, tc := range []struct {
		name string
		src  string
	}{
		{name: "script-vm", src: `local s = net.listen("tcp://127.0.0.1:0", {on_message = function(c, m) c:send(m) end}) ADDR = s.addr`},
		{name: "loop-vms", src: `local s = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "../scripts/examples/handlers/echo_handler.lua"}) ADDR = s.addr`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			rt, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Stop(b.Context())
			if err := rt.RunString("bench.lua", tc.src); err != nil {
				b.Fatal(err)
			}
			var addr string
			rt.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
			const conns = 50
			per := b.N/conns + 1
			var wg sync.WaitGroup
			b.ResetTimer()
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
					msg, buf := make([]byte, 64), make([]byte, 64)
					for j := 0; j < per; j++ {
						if _, err := c.Write(msg); err != nil {
							b.Error(err)
							return
						}
						if _, err := io.ReadFull(c, buf); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}
