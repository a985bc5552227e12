package http

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeClock is an injected clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

type poolFixture struct {
	clock  *fakeClock
	pool   *Pool[int]
	closed []int
	next   int
}

func newFixture(cfg PoolConfig) *poolFixture {
	f := &poolFixture{clock: &fakeClock{t: t0}}
	cfg.Now = f.clock.now
	f.pool = NewPool(cfg, func(c int) { f.closed = append(f.closed, c) })
	return f
}

// get acquires a conn for key, dialing (conn ids 1, 2, …) when granted.
func (f *poolFixture) get(t *testing.T, key string) Grant[int] {
	t.Helper()
	g := f.pool.Acquire(key, func(Grant[int]) { t.Fatalf("unexpected wait for %s", key) })
	if g.Kind == GrantDial {
		f.next++
		f.pool.Dialed(key, f.next)
		g.Conn = f.next
	}
	return g
}

const hostA, hostB = "http://127.0.0.1:8080", "http://127.0.0.1:8081"

func TestPoolReuseAndGotConnInfo(t *testing.T) {
	f := newFixture(PoolConfig{})
	g := f.get(t, hostA)
	if g.Kind != GrantDial || g.Reused || g.WasIdle {
		t.Fatalf("first: %+v", g)
	}
	f.pool.Release(hostA, g.Conn, true)
	f.clock.advance(1200 * time.Millisecond)
	g2 := f.get(t, hostA)
	if g2.Kind != GrantIdle || g2.Conn != g.Conn || !g2.Reused || !g2.WasIdle || g2.IdleTime != 1200*time.Millisecond {
		t.Fatalf("second: %+v", g2)
	}
	if line := TraceLine("GET", hostA+"/", 200, nil, ConnInfo{ID: 3, Reused: true, WasIdle: true, IdleTime: g2.IdleTime}); line != "GET http://127.0.0.1:8080/ → 200, conn 3 reused after 1.2 s idle" {
		t.Fatalf("trace %q", line)
	}
	if f.pool.Requests(g.Conn) != 2 {
		t.Fatalf("requests %d", f.pool.Requests(g.Conn))
	}
	st := f.pool.Stats()[hostA]
	if st.Opened != 1 || st.Reused != 1 || st.Active != 1 || st.Idle != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPoolPerHostIdleLimit(t *testing.T) {
	f := newFixture(PoolConfig{}) // 2 idle per host
	var gs []Grant[int]
	for range 3 {
		gs = append(gs, f.get(t, hostA))
	}
	for _, g := range gs {
		f.pool.Release(hostA, g.Conn, true)
	}
	if !slices.Equal(f.closed, []int{3}) {
		t.Fatalf("closed %v, want the third conn past max_idle_conns_per_host", f.closed)
	}
	// The most recently used idle conn goes out first, as in Go.
	if g := f.get(t, hostA); g.Conn != 2 {
		t.Fatalf("got conn %d, want 2", g.Conn)
	}
}

func TestPoolMaxIdleConnsEvictsOldest(t *testing.T) {
	f := newFixture(PoolConfig{MaxIdleConns: 2, MaxIdleConnsPerHost: 5})
	a, b, c := f.get(t, hostA), f.get(t, hostB), f.get(t, hostA)
	f.pool.Release(hostA, a.Conn, true)
	f.clock.advance(time.Second)
	f.pool.Release(hostB, b.Conn, true)
	f.clock.advance(time.Second)
	f.pool.Release(hostA, c.Conn, true)
	if !slices.Equal(f.closed, []int{a.Conn}) {
		t.Fatalf("closed %v, want the oldest idle conn %d", f.closed, a.Conn)
	}
}

func TestPoolIdleTimeout(t *testing.T) {
	f := newFixture(PoolConfig{IdleConnTimeout: 2 * time.Second})
	g := f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, true)
	if next := f.pool.Reap(); !next.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("next reap %v", next)
	}
	f.clock.advance(1999 * time.Millisecond)
	if f.pool.Reap(); len(f.closed) != 0 {
		t.Fatalf("closed early")
	}
	f.clock.advance(time.Millisecond)
	if next := f.pool.Reap(); !next.IsZero() || !slices.Equal(f.closed, []int{g.Conn}) {
		t.Fatalf("closed %v next %v", f.closed, next)
	}
	st := f.pool.Stats()[hostA]
	if st.ClosedIdle != 1 || st.Idle != 0 || st.Active != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Acquire also reaps before choosing: a timed-out conn is never handed out.
	g = f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, true)
	f.clock.advance(3 * time.Second)
	if g2 := f.get(t, hostA); g2.Kind != GrantDial {
		t.Fatalf("expired conn handed out: %+v", g2)
	}
}

func TestPoolDisableKeepAlivesAndUnreusable(t *testing.T) {
	f := newFixture(PoolConfig{DisableKeepAlives: true})
	g := f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, true)
	if !slices.Equal(f.closed, []int{g.Conn}) {
		t.Fatalf("keep-alives off: closed %v", f.closed)
	}
	f = newFixture(PoolConfig{})
	g = f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, false) // e.g. "Connection: close"
	if !slices.Equal(f.closed, []int{g.Conn}) {
		t.Fatalf("unreusable: closed %v", f.closed)
	}
}

func TestPoolMaxConnsPerHostWaits(t *testing.T) {
	f := newFixture(PoolConfig{MaxConnsPerHost: 1})
	g := f.get(t, hostA)
	var got []Grant[int]
	w := f.pool.Acquire(hostA, func(g Grant[int]) { got = append(got, g) })
	if w.Kind != GrantWait {
		t.Fatalf("at the limit: %+v", w)
	}
	w2 := f.pool.Acquire(hostA, func(g Grant[int]) { got = append(got, g) })
	if st := f.pool.Stats()[hostA]; st.Waiting != 2 {
		t.Fatalf("waiting %d", st.Waiting)
	}
	// Releasing hands the conn straight to the first waiter.
	f.pool.Release(hostA, g.Conn, true)
	if len(got) != 1 || got[0].Kind != GrantIdle || got[0].Conn != g.Conn || !got[0].Reused {
		t.Fatalf("first waiter got %+v", got)
	}
	// The second waiter cancels; a close then frees the slot for nobody.
	if !w2.Cancel() || w2.Cancel() {
		t.Fatalf("Cancel")
	}
	f.pool.Remove(hostA, g.Conn)
	if len(got) != 1 {
		t.Fatalf("canceled waiter served: %+v", got)
	}
	// Another host is not limited by this one.
	if g := f.get(t, hostB); g.Kind != GrantDial {
		t.Fatalf("other host: %+v", g)
	}
	// A closed conn frees a dial slot for a waiter.
	g = f.get(t, hostA)
	f.pool.Acquire(hostA, func(g Grant[int]) { got = append(got, g) })
	f.pool.Remove(hostA, g.Conn)
	if len(got) != 2 || got[1].Kind != GrantDial {
		t.Fatalf("after a close: %+v", got)
	}
	_ = w
}

func TestPoolRemoveIdleClosedByPeer(t *testing.T) {
	f := newFixture(PoolConfig{})
	g := f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, true)
	f.pool.Remove(hostA, g.Conn) // the server closed it while idle
	if g2 := f.get(t, hostA); g2.Kind != GrantDial {
		t.Fatalf("removed conn handed out: %+v", g2)
	}
	if st := f.pool.Stats()[hostA]; st.Idle != 0 || st.Active != 1 || st.Opened != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Removing a conn the pool closed itself changes nothing.
	f.pool.Release(hostA, 2, false)
	f.pool.Remove(hostA, 2)
	if st := f.pool.Stats()[hostA]; st.Active != 0 {
		t.Fatalf("double count: %+v", st)
	}
}

func TestShouldRetry(t *testing.T) {
	for _, tc := range []struct {
		name                                  string
		reused, wrote, gotResp, idem, retried bool
		want                                  bool
	}{
		{"fresh conn never", false, false, false, true, false, false},
		{"reused, nothing written", true, false, false, false, false, true},
		{"reused, written, idempotent", true, true, false, true, false, true},
		{"reused, written, POST", true, true, false, false, false, false},
		{"response bytes seen", true, false, true, true, false, false},
		{"only once", true, false, false, true, true, false},
	} {
		if got := ShouldRetry(tc.reused, tc.wrote, tc.gotResp, tc.idem, tc.retried); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	if !Idempotent("GET", false) || Idempotent("POST", false) || !Idempotent("POST", true) || !Idempotent("OPTIONS", false) {
		t.Errorf("Idempotent")
	}
	if ErrServerClosedIdle.Error() != "http: server closed idle connection" {
		t.Errorf("text")
	}
	if line := TraceLine("POST", "http://127.0.0.1:1/x", 0, errors.New("connection refused"), ConnInfo{}); line != "POST http://127.0.0.1:1/x → error: connection refused" {
		t.Errorf("trace %q", line)
	}
	if line := TraceLine("GET", "http://127.0.0.1:1/", 200, nil, ConnInfo{ID: 7}); line != "GET http://127.0.0.1:1/ → 200, conn 7 new" {
		t.Errorf("trace %q", line)
	}
}
