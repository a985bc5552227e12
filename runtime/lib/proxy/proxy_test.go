package proxy

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

func TestRelaysBothWaysAndCounts(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{})
	c := dial(t, p)
	want := pattern(1 << 20)
	go c.Write(want)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("echoed bytes differ")
	}
	luatest.WaitFor(t, "byte counts", 5*time.Second, func() bool {
		s := p.Stats()
		return s.BytesUp == 1<<20 && s.BytesDown == 1<<20 && s.Conns == 1 && s.Opened == 1
	})
	cs := p.Conns()
	if len(cs) != 1 || cs[0].BytesUp != 1<<20 || cs[0].Upstream == nil || cs[0].Client.String() != c.LocalAddr().String() {
		t.Fatalf("Conns() = %+v", cs)
	}
	c.Close()
	luatest.WaitFor(t, "conn gone", 5*time.Second, func() bool { return p.Stats().Conns == 0 })
}

func TestHalfCloseIsPassedOn(t *testing.T) {
	e := newEngine(t)
	// the server reads to EOF, then answers with the byte count
	up := goServer(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		c.Write([]byte(strings.Repeat("k", int(n))))
	})
	p := newProxy(t, e, up, Config{})
	c := dial(t, p)
	c.Write([]byte("hello"))
	c.CloseWrite()
	got, err := readAll(c)
	if err != io.EOF || string(got) != "kkkkk" {
		t.Fatalf("got %q, %v; want kkkkk, EOF", got, err)
	}
}

func TestLatencyWithinTenPercent(t *testing.T) {
	e := newEngine(t)
	echo := echoServer(t)
	p := newProxy(t, e, echo, Config{Faults: Faults{Latency: 100 * time.Millisecond}})
	base := dial(t, newProxy(t, e, echo, Config{}))
	c := dial(t, p)
	// both directions are delayed: a round trip takes two latencies
	within(t, "added round trip", addedRTT(t, c, base, 5), 200*time.Millisecond, 10)
	if s := p.Stats(); s.Faults.Delayed < 10 {
		t.Fatalf("Delayed = %d, want >= 10", s.Faults.Delayed)
	}
}

func TestLatencyUpstreamOnly(t *testing.T) {
	e := newEngine(t)
	echo := echoServer(t)
	p := newProxy(t, e, echo, Config{Faults: Faults{Latency: 80 * time.Millisecond, Stream: Upstream}})
	base := dial(t, newProxy(t, e, echo, Config{}))
	within(t, "added round trip", addedRTT(t, dial(t, p), base, 5), 80*time.Millisecond, 10)
}

func TestJitterKeepsOrder(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{Seed: 7, Faults: Faults{Latency: 20 * time.Millisecond, Jitter: 15 * time.Millisecond}})
	c := dial(t, p)
	var want bytes.Buffer
	go func() {
		for i := 0; i < 200; i++ {
			b := []byte{byte(i)}
			c.Write(b)
			time.Sleep(200 * time.Microsecond)
		}
	}()
	for i := 0; i < 200; i++ {
		want.WriteByte(byte(i))
	}
	got := make([]byte, 200)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("chunks reordered: %v", got)
	}
}

func TestLiveSetChangesLatencyOfAnOpenConn(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{})
	c := dial(t, p)
	if d := medianRTT(t, c, 3); d > 50*time.Millisecond {
		t.Fatalf("round trip before Set: %v", d)
	}
	if err := p.Set(Faults{Latency: 60 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	rtt(t, c) // the Set reaches the conn's loop asynchronously
	atLeast(t, "round trip after Set", medianRTT(t, c, 3), 120*time.Millisecond)
	if err := p.Set(Faults{}); err != nil {
		t.Fatal(err)
	}
	rtt(t, c)
	if d := medianRTT(t, c, 3); d > 50*time.Millisecond {
		t.Fatalf("round trip after clearing: %v", d)
	}
}

func TestBandwidth(t *testing.T) {
	e := newEngine(t)
	const n = 200_000
	p := newProxy(t, e, sendServer(t, n), Config{Faults: Faults{Bandwidth: 100}})
	c := dial(t, p)
	buf := make([]byte, 64<<10)
	var got []byte
	var first, last time.Time
	for {
		k, err := c.Read(buf)
		if k > 0 {
			if first.IsZero() {
				first = time.Now()
			}
			last = time.Now()
			got = append(got, buf[:k]...)
		}
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
	}
	if !bytes.Equal(got, pattern(n)) {
		t.Fatalf("read %d bytes", len(got))
	}
	// the first 10 ms piece (1000 bytes) leaves at once; the other 199 KB
	// follow at 100 KB/s
	within(t, "200 KB at 100 KB/s, first byte to last", last.Sub(first), 1990*time.Millisecond, 10)
}

func TestSlicerGivesSmallReadsInOrder(t *testing.T) {
	e := newEngine(t)
	const n = 1500
	p := newProxy(t, e, sendServer(t, n), Config{Seed: 3, Faults: Faults{Slicer: &Slicer{AverageSize: 10, SizeVariation: 5, Delay: time.Millisecond}}})
	c := dial(t, p)
	var got []byte
	reads, biggest := 0, 0
	buf := make([]byte, 4096)
	for {
		k, err := c.Read(buf)
		if k > 0 {
			reads++
			biggest = max(biggest, k)
			got = append(got, buf[:k]...)
		}
		if err != nil {
			break
		}
	}
	if !bytes.Equal(got, pattern(n)) {
		t.Fatalf("bytes differ: got %d", len(got))
	}
	if reads < 30 { // about 150 slices; a busy machine merges some
		t.Fatalf("%d reads (largest %d bytes) for %d bytes in 5-15 byte slices: want >= 30", reads, biggest, n)
	}
	if s := p.Stats(); s.Faults.Sliced < n/15 {
		t.Fatalf("Sliced = %d", s.Faults.Sliced)
	}
	t.Logf("%d reads, largest %d bytes", reads, biggest)
}

func TestLimitDataClosesAfterExactlyN(t *testing.T) {
	e := newEngine(t)
	closed := make(chan error, 1)
	p := newProxy(t, e, sendServer(t, 50_000), Config{
		Faults:  Faults{LimitData: 12345, Stream: Downstream},
		OnClose: func(_ ConnInfo, err error) { closed <- err },
	})
	c := dial(t, p)
	got, err := readAll(c)
	if err != io.EOF || len(got) != 12345 || !bytes.Equal(got, pattern(12345)) {
		t.Fatalf("read %d bytes, %v; want 12345, EOF", len(got), err)
	}
	if err := <-closed; err != ErrLimitData {
		t.Fatalf("OnClose reason %v, want ErrLimitData", err)
	}
	if s := p.Stats(); s.Faults.Limited != 1 || s.BytesDown != 12345 {
		t.Fatalf("stats %+v", s)
	}
}

func TestResetPeerIsECONNRESET(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{Faults: Faults{ResetPeer: Dur(100 * time.Millisecond)}})
	c := dial(t, p)
	start := time.Now()
	c.Write([]byte("ping"))
	_, err := c.Read(make([]byte, 10))
	if !isReset(err) {
		t.Fatalf("read: %v, want ECONNRESET", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("reset after %v, want about 100ms", d)
	}
	luatest.WaitFor(t, "reset counted", 5*time.Second, func() bool { return p.Stats().Faults.Reset == 1 })
}

func TestTimeoutStopsDataThenCloses(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{Faults: Faults{Timeout: Dur(150 * time.Millisecond)}})
	c := dial(t, p)
	start := time.Now()
	c.Write([]byte("ping"))
	got, err := readAll(c)
	if len(got) != 0 || (err != io.EOF && !isReset(err)) {
		t.Fatalf("read %q, %v; want nothing, then a close", got, err)
	}
	atLeast(t, "close after timeout", time.Since(start), 150*time.Millisecond)
}

func TestTimeoutZeroHoldsUntilRemoved(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{Faults: Faults{Timeout: Dur(0)}})
	c := dial(t, p)
	c.Write([]byte("lost"))
	c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	if n, err := c.Read(make([]byte, 10)); n != 0 || !isTimeout(err) {
		t.Fatalf("read %d, %v; want a read timeout", n, err)
	}
	p.Set(Faults{})
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	luatest.WaitFor(t, "the fault to be lifted", 5*time.Second, func() bool { return p.Conns()[0].Faults == "none" })
	time.Sleep(20 * time.Millisecond) // let the Set reach the conn's loop
	if d := rtt(t, c); d > time.Second {
		t.Fatalf("round trip %v after removing timeout", d)
	}
	if s := p.Stats(); s.Faults.Dropped != 4 {
		t.Fatalf("Dropped = %d, want 4", s.Faults.Dropped)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func TestSlowCloseDelaysTheClose(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, sendServer(t, 10), Config{Faults: Faults{SlowClose: 200 * time.Millisecond}})
	c := dial(t, p)
	if _, err := io.ReadFull(c, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read: %v, want EOF", err)
	}
	atLeast(t, "EOF after the data", time.Since(start), 200*time.Millisecond)
}

// TestBackpressureBoundsMemory: the upstream writes as fast as it can, the
// client does not read for a while; the proxy must stop reading the
// upstream instead of buffering what it sends.
func TestBackpressureBoundsMemory(t *testing.T) {
	e := newEngine(t)
	const total = 32 << 20
	up := goServer(t, func(c net.Conn) {
		buf := pattern(64 << 10)
		for sent := 0; sent < total; sent += len(buf) {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	})
	const maxBuf = 128 << 10
	p := newProxy(t, e, up, Config{MaxBuffer: maxBuf, Faults: Faults{Latency: 5 * time.Millisecond}})
	c := dial(t, p)
	c.SetReadBuffer(64 << 10)
	time.Sleep(300 * time.Millisecond) // a reader that stalls
	peakDuringStall := p.Stats().Buffered
	var got int
	buf := make([]byte, 64<<10)
	for got < total {
		n, err := c.Read(buf)
		got += n
		if err != nil {
			t.Fatalf("after %d bytes: %v", got, err)
		}
		if got < total/4 {
			time.Sleep(100 * time.Microsecond) // slow at first
		}
	}
	s := p.Stats()
	// one read of the loop buffer (64 KiB) may land after the pause is asked for
	bound := maxBuf + 64<<10
	if s.MaxBuffered > bound || peakDuringStall > bound {
		t.Fatalf("proxy held up to %d bytes (%d during the stall), bound %d", s.MaxBuffered, peakDuringStall, bound)
	}
	t.Logf("32 MiB relayed to a slow reader; proxy held at most %d bytes (bound %d)", s.MaxBuffered, bound)
}

func TestValidation(t *testing.T) {
	e := newEngine(t)
	up := echoServer(t)
	for _, tc := range []struct {
		name    string
		listen  string
		up      string
		f       Faults
		wantErr string
	}{
		{"loss on tcp", "tcp://127.0.0.1:0", up, Faults{Loss: 0.1}, "loss = 0.1"},
		{"bad slicer", "tcp://127.0.0.1:0", up, Faults{Slicer: &Slicer{AverageSize: 4, SizeVariation: 4}}, "slicer.size_variation"},
		{"negative latency", "tcp://127.0.0.1:0", up, Faults{Latency: -1}, "latency"},
		{"toxicity > 1", "tcp://127.0.0.1:0", up, Faults{Toxicity: 1.5}, "toxicity"},
		{"udp to tcp", "udp://127.0.0.1:0", up, Faults{}, "udp:// upstream"},
		{"bandwidth on udp", "udp://127.0.0.1:0", "udp://127.0.0.1:9", Faults{Bandwidth: 10}, "bandwidth"},
		{"bad url", "tcp://nope", up, Faults{}, "proxy: listen"},
	} {
		_, err := New(e, tc.listen, tc.up, Config{Faults: tc.f})
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.wantErr)
		}
	}
	p := newProxy(t, e, up, Config{})
	if err := p.Set(Faults{Duplicate: 0.5}); err == nil {
		t.Error("Set accepted duplicate on a tcp proxy")
	}
}

func TestDialErrorClosesClient(t *testing.T) {
	e := newEngine(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "tcp://" + ln.Addr().String()
	ln.Close()
	closed := make(chan error, 1)
	p := newProxy(t, e, dead, Config{OnClose: func(_ ConnInfo, err error) { closed <- err }})
	c := dial(t, p)
	if _, err := readAll(c); err != io.EOF && !isReset(err) {
		t.Fatalf("read: %v", err)
	}
	err := <-closed
	var oe *reactor.OpError
	if err == nil || !strings.Contains(err.Error(), "refused") || !asOpError(err, &oe) {
		t.Fatalf("OnClose reason %v", err)
	}
	if p.Stats().DialErrors != 1 {
		t.Fatalf("DialErrors = %d", p.Stats().DialErrors)
	}
}

func asOpError(err error, oe **reactor.OpError) bool {
	e, ok := err.(*reactor.OpError)
	*oe = e
	return ok
}

func TestUnixListenerToTCPUpstream(t *testing.T) {
	e := newEngine(t)
	path := t.TempDir() + "/p.sock"
	p, err := New(e, "unix://"+path, echoServer(t), Config{Faults: Faults{Latency: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(t.Context())
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if d := rtt(t, c); d < 20*time.Millisecond {
		t.Fatalf("round trip %v through 10 ms each way", d)
	}
}
