package runtime

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkRedisGetPipelined measures scripts/examples/redis.lua's handler on
// loop VMs the way redis-benchmark -P 16 drives it, without
// redis-benchmark's CPU in the figure: 4 conns each write 64 GET commands
// at once and read the 64 replies. One op is one command.
func BenchmarkRedisGetPipelined(b *testing.B) {
	b.ReportAllocs()
	rt, err := New(Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Stop(b.Context())
	src := `local s = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp{commands_only = true},
  vm = "loop", handler = "../scripts/examples/handlers/redis_handler.lua"}))
shared.dict("redis"):set("key:1", "value")
ADDR = s.addr`
	if err := rt.RunString("bench.lua", src); err != nil {
		b.Fatal(err)
	}
	var addr string
	rt.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
	const conns, depth = 4, 64
	cmd := []byte("*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n")
	reply := []byte("$5\r\nvalue\r\n")
	batch := bytes.Repeat(cmd, depth)
	want := bytes.Repeat(reply, depth)
	rounds := b.N/(conns*depth) + 1
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
			got := make([]byte, len(want))
			for r := 0; r < rounds; r++ {
				if _, err := c.Write(batch); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(c, got); err != nil {
					b.Error(err)
					return
				}
				if !bytes.Equal(got, want) {
					b.Errorf("reply %q, want %q", got[:len(reply)], reply)
					return
				}
			}
		}()
	}
	wg.Wait()
}
