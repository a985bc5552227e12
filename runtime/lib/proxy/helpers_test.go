package proxy

import (
	"context"
	"errors"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"log"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// newEngine starts a two-loop engine stopped when the test ends.
func newEngine(t testing.TB) *reactor.Engine {
	t.Helper()
	e, err := reactor.New(reactor.WithLoops(2), reactor.WithLogger(log.New(io.Discard, "", 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.Stop(ctx)
	})
	return e
}

// newProxy starts a proxy to upstream, closed when the test ends.
func newProxy(t testing.TB, e *reactor.Engine, upstream string, cfg Config) *Proxy {
	t.Helper()
	listen := "tcp://127.0.0.1:0"
	if len(upstream) > 3 && upstream[:3] == "udp" {
		listen = "udp://127.0.0.1:0"
	}
	p, err := New(e, listen, upstream, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// dial connects a plain Go client to the proxy with a 20 s deadline.
func dial(t testing.TB, p *Proxy) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// goServer is a plain Go TCP server (a test peer, one goroutine per conn)
// running serve on every conn.
func goServer(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	addr := testkit.GoServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(30 * time.Second))
		serve(c)
	})
	return "tcp://" + addr
}

// echoServer echoes everything back.
func echoServer(t testing.TB) string {
	return goServer(t, func(c net.Conn) { io.Copy(c, c) })
}

// sendServer writes n bytes (byte i is i%251) and closes.
func sendServer(t testing.TB, n int) string {
	return goServer(t, func(c net.Conn) {
		c.Write(pattern(n))
	})
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// rtt writes one byte and waits for its echo.
func rtt(t testing.TB, c net.Conn) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := c.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// medianRTT returns the median of n round trips.
func medianRTT(t testing.TB, c net.Conn, n int) time.Duration {
	t.Helper()
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = rtt(t, c)
	}
	for i := range ds { // insertion sort: n is tiny
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds[n/2]
}

// addedRTT is the shortest round trip on c minus the shortest on base (a
// conn through a proxy without faults, measured in turns): the delay the
// faults add. A busy machine only ever adds time, so the minimum over n
// tries is the estimate that noise does not inflate; a fault that delays
// too little still shows.
func addedRTT(t testing.TB, c, base net.Conn, n int) time.Duration {
	t.Helper()
	with, without := time.Hour, time.Hour
	for i := 0; i < n; i++ {
		with = min(with, rtt(t, c))
		without = min(without, rtt(t, base))
	}
	return with - without
}

func median(ds []time.Duration) time.Duration {
	ds = append([]time.Duration(nil), ds...)
	for i := range ds {
		for j := i; j > 0 && ds[j] < ds[j-1]; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
	return ds[len(ds)/2]
}

// within fails unless got is within pct percent of want.
func within(t testing.TB, what string, got, want time.Duration, pct float64) {
	t.Helper()
	lo := time.Duration(float64(want) * (1 - pct/100))
	hi := time.Duration(float64(want) * (1 + pct/100))
	if got < lo || got > hi {
		t.Fatalf("%s: %v, want %v +/- %g%% [%v, %v]", what, got, want, pct, lo, hi)
	} else {
		t.Logf("%s: %v (want %v +/- %g%%)", what, got, want, pct)
	}
}

// isReset reports whether err is a connection reset.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// readAll reads until an error; it returns the bytes and the error (io.EOF
// for an orderly close).
func readAll(c net.Conn) ([]byte, error) {
	var out []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

// atLeast fails unless got is at least want, and under twice want plus
// 200 ms: a delay that must be there, with room for a busy machine.
func atLeast(t testing.TB, what string, got, want time.Duration) {
	t.Helper()
	if hi := want*2 + 200*time.Millisecond; got < want || got > hi {
		t.Fatalf("%s: %v, want [%v, %v]", what, got, want, hi)
	}
	t.Logf("%s: %v (want >= %v)", what, got, want)
}
