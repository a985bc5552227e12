package proxy

import (
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

func TestDownRefusesAndCuts(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{})
	c := dial(t, p)
	rtt(t, c)
	if err := p.Set(Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(c); err != io.EOF && !isReset(err) {
		t.Fatalf("existing conn: %v, want a close", err)
	}
	luatest.WaitFor(t, "listener closed", 5*time.Second, func() bool { return !p.Listening() })
	if _, err := net.DialTimeout("tcp", p.Addr().String(), time.Second); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("dial while down: %v, want connection refused", err)
	}
	if err := p.Set(Faults{}); err != nil {
		t.Fatal(err)
	}
	luatest.WaitFor(t, "listening again", 5*time.Second, p.Listening)
	c2 := dial(t, p)
	rtt(t, c2)
	if s := p.Stats(); s.Faults.Cut != 1 {
		t.Fatalf("Cut = %d, want 1", s.Faults.Cut)
	}
}

func TestCut(t *testing.T) {
	e := newEngine(t)
	p := newProxy(t, e, echoServer(t), Config{})
	var cs []net.Conn
	for i := 0; i < 3; i++ {
		c := dial(t, p)
		rtt(t, c)
		cs = append(cs, c)
	}
	if n := p.Cut(); n != 3 {
		t.Fatalf("Cut() = %d, want 3", n)
	}
	for _, c := range cs {
		if _, err := readAll(c); err != io.EOF && !isReset(err) {
			t.Fatalf("after Cut: %v", err)
		}
	}
	luatest.WaitFor(t, "no conns", 5*time.Second, func() bool { return p.Stats().Conns == 0 })
	rtt(t, dial(t, p)) // still accepting
}

func TestToxicityAffectsAboutHalfDeterministically(t *testing.T) {
	const lat = 100 * time.Millisecond
	count := func() (affected int, slow int) {
		e := newEngine(t)
		p := newProxy(t, e, echoServer(t), Config{Seed: 42, Faults: Faults{Latency: lat, Stream: Upstream, Toxicity: 0.5}})
		for i := 0; i < 30; i++ {
			c := dial(t, p)
			d := rtt(t, c)
			if d >= lat { // an unaffected conn on a busy machine gets two more tries
				d = min(d, rtt(t, c), rtt(t, c))
			}
			var info ConnInfo
			for _, ci := range p.Conns() {
				if ci.Client.String() == c.LocalAddr().String() {
					info = ci
				}
			}
			if info.Affected != (d >= lat) {
				t.Fatalf("conn %d: affected %v but round trip %v", i, info.Affected, d)
			}
			if d >= lat {
				slow++
			}
			c.Close()
		}
		return int(p.Stats().Affected), slow
	}
	a1, slow := count()
	a2, _ := count()
	if a1 != a2 || a1 != slow {
		t.Fatalf("affected %d then %d with one seed, %d slow", a1, a2, slow)
	}
	if a1 < 8 || a1 > 22 {
		t.Fatalf("toxicity 0.5 affected %d of 30 conns", a1)
	}
	t.Logf("toxicity 0.5: %d of 30 conns affected, the same number on both runs", a1)
}

func TestOnOpenGivesPerConnFaults(t *testing.T) {
	e := newEngine(t)
	var mu sync.Mutex
	n := 0
	p := newProxy(t, e, echoServer(t), Config{OnOpen: func(ci ConnInfo) *Faults {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 2 {
			return &Faults{Latency: 50 * time.Millisecond}
		}
		return nil
	}})
	fast := dial(t, p)
	if d := medianRTT(t, fast, 3); d > 40*time.Millisecond {
		t.Fatalf("first conn: %v", d)
	}
	slow := dial(t, p)
	atLeast(t, "second conn", medianRTT(t, slow, 3), 100*time.Millisecond)
	// Set does not touch a conn with faults of its own
	p.Set(Faults{Latency: 5 * time.Millisecond})
	rtt(t, slow)
	atLeast(t, "second conn after Set", medianRTT(t, slow, 3), 100*time.Millisecond)
	// SetConn changes one conn
	id := p.Conns()[0].ID
	if err := p.SetConn(id, &Faults{Latency: 30 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	rtt(t, fast)
	atLeast(t, "first conn after SetConn", medianRTT(t, fast, 3), 60*time.Millisecond)
	if err := p.SetConn(999999, nil); err == nil {
		t.Fatal("SetConn of an unknown id did not fail")
	}
}

func TestOnOpenDownRefusesOneConn(t *testing.T) {
	e := newEngine(t)
	var n atomic.Int32
	p := newProxy(t, e, echoServer(t), Config{OnOpen: func(ci ConnInfo) *Faults {
		if n.Add(1)%2 == 0 {
			return &Faults{Down: true}
		}
		return &Faults{}
	}})
	refused, ok := 0, 0
	for i := 0; i < 6; i++ {
		c := dial(t, p)
		c.Write([]byte{1})
		if _, err := c.Read(make([]byte, 1)); err != nil {
			refused++
		} else {
			ok++
		}
	}
	if refused == 0 || ok == 0 || p.Stats().Faults.Refused != uint64(refused) {
		t.Fatalf("refused %d, ok %d, stats %+v", refused, ok, p.Stats().Faults)
	}
}

func TestOnOpenAsyncHoldsTheConnUntilDecided(t *testing.T) {
	e := newEngine(t)
	var calls atomic.Int32
	closed := make(chan error, 2)
	p := newProxy(t, e, echoServer(t), Config{OnClose: func(_ ConnInfo, err error) { closed <- err }, OnOpenAsync: func(ci ConnInfo, done func(*Faults)) {
		n := calls.Add(1)
		go func() {
			time.Sleep(50 * time.Millisecond) // a slow decision (a Lua function elsewhere)
			switch n {
			case 1:
				done(&Faults{Latency: 40 * time.Millisecond})
				done(nil) // only the first call counts
			case 2:
				done(&Faults{Latency: -1}) // invalid: the conn is refused with the error
			}
		}()
	}})
	c := dial(t, p)
	start := time.Now()
	c.Write([]byte("early")) // sent before the decision: held, not lost
	got := make([]byte, 5)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "early" {
		t.Fatalf("read %q, %v", got, err)
	}
	atLeast(t, "first echo (decision + 2 latencies)", time.Since(start), 130*time.Millisecond)
	atLeast(t, "later round trip", medianRTT(t, c, 3), 80*time.Millisecond)

	c2 := dial(t, p)
	if _, err := readAll(c2); err != io.EOF && !isReset(err) {
		t.Fatalf("refused conn: %v", err)
	}
	if err := <-closed; err == nil || !strings.Contains(err.Error(), "latency") {
		t.Fatalf("OnClose reason %v, want the validation error", err)
	}
}

func TestHalfCloseBeforeTheUpstreamIsThere(t *testing.T) {
	e := newEngine(t)
	up := goServer(t, func(c net.Conn) {
		n, _ := io.Copy(io.Discard, c)
		c.Write([]byte(strings.Repeat("k", int(n))))
	})
	p := newProxy(t, e, up, Config{OnOpenAsync: func(_ ConnInfo, done func(*Faults)) {
		time.AfterFunc(50*time.Millisecond, func() { done(nil) })
	}})
	for i := 0; i < 6; i++ {
		msg := []string{"hello", ""}[i%2] // a bare FIN is read at once, before the pause
		c := dial(t, p)
		c.Write([]byte(msg))
		c.CloseWrite() // arrives while the proxy still decides
		got, err := readAll(c)
		if want := strings.Repeat("k", len(msg)); err != io.EOF || string(got) != want {
			t.Fatalf("conn %d: got %q, %v; want %q, EOF", i, got, err, want)
		}
	}
}
