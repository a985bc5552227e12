package runtime

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// BenchmarkRedisPipelined measures scripts/examples/redis.lua's handler on
// loop VMs the way redis-benchmark -P 16 drives it, without
// redis-benchmark's CPU in the figure: 4 conns each write 64 commands at
// once and read the 64 replies. One op is one command.
func BenchmarkRedisPipelined(b *testing.B) {
	for _, c := range []struct{ name, cmd, reply string }{
		{"GET", "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n", "$5\r\nvalue\r\n"},
		{"SET", "*3\r\n$3\r\nSET\r\n$5\r\nkey:2\r\n$3\r\nxxx\r\n", "+OK\r\n"},
		{"PING", "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
	} {
		b.Run(c.name, func(b *testing.B) { benchRedis(b, c.cmd, c.reply) })
	}
}

func benchRedis(b *testing.B, cmd, reply string) {
	b.ReportAllocs()
	addr := benchServer(b, `local s = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp{commands_only = true},
  vm = "loop", handler = "../scripts/examples/handlers/redis_handler.lua"}))
shared.dict("redis"):set("key:1", "value")
ADDR = s.addr`)
	const conns, depth = 4, 64
	batch := bytes.Repeat([]byte(cmd), depth)
	want := bytes.Repeat([]byte(reply), depth)
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
				return fmt.Errorf("replies %q…, want %q…", got[:len(reply)], want[:len(reply)])
			}
			return nil
		}
	})
}
