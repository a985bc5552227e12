package http

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestPoolDefaults: the zero PoolConfig is Go Transport's defaults:
// max_idle_conns 100 across hosts (the 101st idle conn evicts the least
// recently used), idle_conn_timeout 90 s, and max_conns_per_host 0 (no
// limit: 50 conns to one host are all dialed, none waits).
func TestPoolDefaults(t *testing.T) {
	f := newFixture(PoolConfig{})
	var first int
	for i := range 101 {
		host := fmt.Sprintf("http://127.0.0.1:%d", 10000+i)
		g := f.get(t, host)
		if i == 0 {
			first = g.Conn
		}
		f.pool.Release(host, g.Conn, true)
		f.clock.advance(time.Millisecond)
	}
	if !slices.Equal(f.closed, []int{first}) {
		t.Fatalf("closed %v, want only the oldest idle conn %d past 100", f.closed, first)
	}
	f = newFixture(PoolConfig{})
	g := f.get(t, hostA)
	f.pool.Release(hostA, g.Conn, true)
	if next := f.pool.Reap(); !next.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("idle conn reaped at %v, want 90 s after its release", next.Sub(t0))
	}
	f = newFixture(PoolConfig{})
	for range 50 {
		if g := f.get(t, hostA); g.Kind != GrantDial { // get fails the test on a wait
			t.Fatalf("grant %+v", g)
		}
	}
}
