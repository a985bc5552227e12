package proxy

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// udpEcho is a plain Go UDP echo server (a test peer).
func udpEcho(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, a, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], a)
		}
	}()
	return "udp://" + pc.LocalAddr().String()
}

// udpClient connects a Go UDP socket to the proxy.
func udpClient(t testing.TB, p *Proxy) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, p.Addr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadBuffer(1 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends datagrams numbered 0..n-1 and returns the numbers echoed
// back, in arrival order, reading until 300 ms pass without one.
func exchange(t testing.TB, c *net.UDPConn, n int) []uint32 {
	t.Helper()
	for i := 0; i < n; i++ {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(i))
		if _, err := c.Write(b[:]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Microsecond) // stay far from the socket buffers' limits
	}
	var got []uint32
	buf := make([]byte, 64)
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		k, err := c.Read(buf)
		if err != nil {
			return got
		}
		if k == 4 {
			got = append(got, binary.BigEndian.Uint32(buf[:4]))
		}
	}
}

func TestUDPRelayAndLatency(t *testing.T) {
	e := newEngine(t)
	echo := udpEcho(t)
	p := newProxy(t, e, echo, Config{Faults: Faults{Latency: 150 * time.Millisecond}})
	base := udpClient(t, newProxy(t, e, echo, Config{}))
	c := udpClient(t, p)
	within(t, "udp added round trip", addedRTT(t, c, base, 5), 300*time.Millisecond, 10)
	luatest.WaitFor(t, "counts", 5*time.Second, func() bool {
		s := p.Stats()
		return s.Conns == 1 && s.BytesUp == 5 && s.BytesDown == 5 && s.Faults.Delayed == 10
	})
}

func TestUDPLossIsSeeded(t *testing.T) {
	run := func() (lost map[uint32]bool, counted uint64) {
		e := newEngine(t)
		p := newProxy(t, e, udpEcho(t), Config{Seed: 11, Faults: Faults{Loss: 0.3, Stream: Upstream}})
		got := exchange(t, udpClient(t, p), 400)
		lost = make(map[uint32]bool)
		for i := uint32(0); i < 400; i++ {
			lost[i] = true
		}
		for _, v := range got {
			delete(lost, v)
		}
		return lost, p.Stats().Faults.Lost
	}
	l1, c1 := run()
	l2, _ := run()
	if uint64(len(l1)) != c1 {
		t.Fatalf("%d datagrams missing, %d counted lost", len(l1), c1)
	}
	if len(l1) < 80 || len(l1) > 160 {
		t.Fatalf("loss 0.3 lost %d of 400", len(l1))
	}
	if len(l1) != len(l2) {
		t.Fatalf("one seed lost %d, then %d", len(l1), len(l2))
	}
	for k := range l1 {
		if !l2[k] {
			t.Fatalf("one seed lost different datagrams (%d)", k)
		}
	}
	t.Logf("loss 0.3: %d of 400 lost, the same ones on both runs", len(l1))
}

func TestUDPDuplicate(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, udpEcho(t), Config{Seed: 5, Faults: Faults{Duplicate: 0.25, Stream: Upstream}})
	got := exchange(t, udpClient(t, p), 400)
	seen := map[uint32]int{}
	for _, v := range got {
		seen[v]++
	}
	dups := 0
	for i := uint32(0); i < 400; i++ {
		switch seen[i] {
		case 1:
		case 2:
			dups++
		default:
			t.Fatalf("datagram %d arrived %d times", i, seen[i])
		}
	}
	if n := p.Stats().Faults.Duplicated; uint64(dups) != n || dups < 60 || dups > 140 {
		t.Fatalf("%d duplicated, %d counted (want about 100)", dups, n)
	}
}

func TestUDPReorder(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, udpEcho(t), Config{Seed: 9, Faults: Faults{Reorder: 0.2, Stream: Upstream}})
	got := exchange(t, udpClient(t, p), 400)
	if len(got) != 400 {
		t.Fatalf("%d of 400 arrived", len(got))
	}
	late := 0
	var top uint32
	for i, v := range got {
		if i > 0 && v < top {
			late++
		}
		top = max(top, v)
	}
	n := p.Stats().Faults.Reordered
	// a held datagram whose successor is late (a busy machine) leaves in order
	if late == 0 || uint64(late) > n || uint64(late) < n*3/4 {
		t.Fatalf("%d arrived late, %d counted reordered", late, n)
	}
	t.Logf("reorder 0.2: %d of 400 arrived after their successor", late)
}

func TestUDPDownAndUp(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, udpEcho(t), Config{})
	c := udpClient(t, p)
	rtt(t, c)
	p.Set(Faults{Down: true})
	luatest.WaitFor(t, "udp listener closed", 5*time.Second, func() bool { return !p.Listening() && p.Stats().Conns == 0 })
	c.Write([]byte{1})
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 4)); err == nil {
		t.Fatalf("read %d bytes while down", n)
	}
	p.Set(Faults{})
	luatest.WaitFor(t, "listening again", 5*time.Second, p.Listening)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	rtt(t, c)
}
