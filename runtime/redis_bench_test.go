package runtime

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// BenchmarkRedisGetPipelined measures scripts/examples/redis.lua's handler on
// loop VMs the way redis-benchmark -P 16 drives it, without
// redis-benchmark's CPU in the figure: 4 conns each write 64 GET commands
// at once and read the 64 replies. One op is one command.
func BenchmarkRedisGetPipelined(b *testing.B) {
	b.ReportAllocs()
	addr := benchServer(b, `local s = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp{commands_only = true},
  vm = "loop", handler = "../scripts/examples/handlers/redis_handler.lua"}))
shared.dict("redis"):set("key:1", "value")
ADDR = s.addr`)
	const conns, depth = 4, 64
	batch := bytes.Repeat([]byte("*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n"), depth)
	want := bytes.Repeat([]byte("$5\r\nvalue\r\n"), depth)
	b.ResetTimer()
	runClients(b, addr, conns, b.N/(conns*depth)+1, func() func(net.Conn) error {
		got := make([]byte, len(want))
		return func(c net.Conn) error {
			if _, err := c.Write(batch); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, got); err != nil {
				return err
			}
			if !bytes.Equal(got, want) {
				return fmt.Errorf("replies %q…, want %q…", got[:11], want[:11])
			}
			return nil
		}
	})
}
