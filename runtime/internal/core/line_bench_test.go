package core

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// BenchmarkLineEcho measures codec.line echo at depth 16: each conn writes
// 16 lines of 64 bytes in one write and reads the 16 replies, so a read
// carries about 16 frames and the per-frame cost of Lua dominates. One op
// is one message.
func BenchmarkLineEcho(b *testing.B) {
	const depth, conns = 16, 8
	for _, tc := range []struct{ name, src string }{
		{"script-vm", `local s = net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end}) ADDR = s.addr`},
		{"loop-vms", `local s = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "testdata/handlers/line_echo.lua"}) ADDR = s.addr`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			addr := benchServer(b, tc.src)
			line := append(bytes.Repeat([]byte("x"), 63), '\n')
			batch := bytes.Repeat(line, depth)
			b.ResetTimer()
			runClients(b, addr, conns, b.N/(conns*depth)+1, func() func(net.Conn) error {
				buf := make([]byte, len(batch))
				return func(c net.Conn) error {
					if _, err := c.Write(batch); err != nil {
						return err
					}
					_, err := io.ReadFull(c, buf)
					return err
				}
			})
		})
	}
}
