//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"net"
	"slices"
	"testing"
	"time"
)

// loopRecorder reports the loop index of each opened conn.
type loopRecorder struct {
	BaseHandler
	opened chan int
	closed chan int
}

func newLoopRecorder() *loopRecorder {
	return &loopRecorder{opened: make(chan int, 64), closed: make(chan int, 64)}
}

func (h *loopRecorder) OnOpen(c *Conn) Action    { h.opened <- c.Loop().Index(); return None }
func (h *loopRecorder) OnClose(c *Conn, _ error) { h.closed <- c.Loop().Index() }

func recv(t *testing.T, ch chan int) int {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for a callback")
		return -1
	}
}

func TestRoundRobin(t *testing.T) {
	e := newEngine(t, WithLoops(4))
	h := newLoopRecorder()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{LB: RoundRobin})
	var got []int
	for i := 0; i < 8; i++ {
		dialTCP(t, ln)
		got = append(got, recv(t, h.opened))
	}
	if want := []int{0, 1, 2, 3, 0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Fatalf("loops %v, want %v", got, want)
	}
}

func TestLeastConnections(t *testing.T) {
	e := newEngine(t, WithLoops(3))
	h := newLoopRecorder()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{LB: LeastConnections})
	clients := map[int]net.Conn{}
	for i := 0; i < 3; i++ {
		c := dialTCP(t, ln)
		idx := recv(t, h.opened)
		if idx != i {
			t.Fatalf("conn %d went to loop %d, want %d (ties go to the lowest index)", i, idx, i)
		}
		clients[idx] = c
	}
	clients[1].Close()
	if idx := recv(t, h.closed); idx != 1 {
		t.Fatalf("closed conn was on loop %d", idx)
	}
	waitFor(t, "loop 1 empty", 5*time.Second, func() bool { return e.Loops()[1].NumConns() == 0 })
	dialTCP(t, ln)
	if idx := recv(t, h.opened); idx != 1 {
		t.Fatalf("new conn went to loop %d, want the emptiest loop 1", idx)
	}
}

func TestSourceAddrHash(t *testing.T) {
	e := newEngine(t, WithLoops(4))
	h := newLoopRecorder()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{LB: SourceAddrHash})
	seen := map[int]bool{}
	for _, src := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		ip := net.ParseIP(src)
		want := int(sourceHash(ip) % 4)
		for k := 0; k < 3; k++ { // the port does not matter: same loop every time
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Skipf("cannot dial from %s on this system: %v", src, err)
			}
			t.Cleanup(func() { c.Close() })
			if got := recv(t, h.opened); got != want {
				t.Fatalf("conn from %s went to loop %d, want FNV-1a(ip)%%4 = %d", src, got, want)
			}
			seen[want] = true
		}
	}
	if len(seen) < 2 {
		t.Fatalf("six source addresses all hashed to one loop: %v", seen)
	}
}

func TestParseLoadBalancing(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LoadBalancing
		bad  bool
	}{
		{in: "", want: RoundRobin},
		{in: "round_robin", want: RoundRobin},
		{in: "least_connections", want: LeastConnections},
		{in: "source_addr_hash", want: SourceAddrHash},
		{in: "random", bad: true},
	} {
		got, err := ParseLoadBalancing(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseLoadBalancing(%q) = %v, %v", tc.in, got, err)
		}
		if !tc.bad && tc.in != "" && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}
