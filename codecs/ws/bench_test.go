package ws

import (
	"bytes"
	"testing"
)

// BenchmarkDecodeText64 decodes a stream of 100 masked 64-byte text frames,
// as a server reads them: unmask, validate UTF-8, deliver in place.
func BenchmarkDecodeText64(b *testing.B) {
	msg := bytes.Repeat([]byte("netplay!"), 8)
	var stream []byte
	for range 100 {
		stream = AppendFrame(stream, Header{Fin: true, Op: OpText, Masked: true, Key: testKey}, msg)
	}
	buf := make([]byte, len(stream))
	c := NewConn(Server, Config{})
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		copy(buf, stream) // Decode unmasks in place
		in, got := buf, 0
		for len(in) > 0 {
			m, n, err := c.Decode(in)
			if err != nil || m.Kind != KindText || len(m.Data) != 64 {
				b.Fatalf("%v %v", m.Kind, err)
			}
			got++
			in = in[n:]
		}
		if got != 100 {
			b.Fatalf("%d frames", got)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/frame")
}

// BenchmarkEncodeText64 frames 64-byte text messages as a server sends them
// (unmasked) and as a client does (masked with a fresh key).
func BenchmarkEncodeText64(b *testing.B) {
	msg := bytes.Repeat([]byte("netplay!"), 8)
	for _, role := range []struct {
		name string
		r    Role
	}{{"server", Server}, {"client", Client}} {
		b.Run(role.name, func(b *testing.B) {
			c := NewConn(role.r, Config{})
			dst := make([]byte, 0, 128)
			b.ReportAllocs()
			b.SetBytes(64)
			for b.Loop() {
				out, err := c.AppendText(dst[:0], msg)
				if err != nil || len(out) < 66 {
					b.Fatal(err)
				}
			}
		})
	}
}
