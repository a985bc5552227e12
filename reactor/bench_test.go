//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"io"
	"net"
	"testing"
)

// echoPair starts a one-loop echo server and a plain Go client.
func echoPair(tb testing.TB) net.Conn {
	e := newEngine(tb, WithLoops(1))
	ln := listen(tb, e, "tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{})
	return dialTCP(tb, ln)
}

func echoOnce(tb testing.TB, c net.Conn, msg, buf []byte) {
	if _, err := c.Write(msg); err != nil {
		tb.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkEchoRoundTrip measures one 64-byte request/response through the
// loop: read into the shared buffer, OnTraffic, direct write.
func BenchmarkEchoRoundTrip(b *testing.B) {
	c := echoPair(b)
	msg, buf := make([]byte, 64), make([]byte, 64)
	b.ReportAllocs()
	b.SetBytes(64)
	for b.Loop() {
		echoOnce(b, c, msg, buf)
	}
}

// BenchmarkAsyncWrite measures AsyncWrite from another goroutine, flushed
// in batches by the loop.
func BenchmarkAsyncWrite(b *testing.B) {
	e := newEngine(b, WithLoops(1))
	h := newWriterHandler()
	ln := listen(b, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxOutbound: 1 << 30}})
	client := dialTCP(b, ln)
	go io.Copy(io.Discard, client)
	sc := <-h.conns
	msg := make([]byte, 64)
	b.ReportAllocs()
	b.SetBytes(64)
	for b.Loop() {
		if err := sc.AsyncWrite(msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEchoSteadyPathDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	c := echoPair(t)
	msg, buf := make([]byte, 64), make([]byte, 64)
	for i := 0; i < 100; i++ { // warm up pools and slices
		echoOnce(t, c, msg, buf)
	}
	allocs := testing.AllocsPerRun(500, func() { echoOnce(t, c, msg, buf) })
	// The count covers the Go client too; anything per-read in the loop
	// would show up as at least 1 per run.
	if allocs >= 0.5 {
		t.Fatalf("%.2f allocations per echo round trip, want 0", allocs)
	}
}
