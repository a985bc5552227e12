package bench

import (
	"sync/atomic"
	"testing"
	"time"
)

// --rate paces requests: about Rate per second whatever the conns.
func TestOpenLoopPacing(t *testing.T) {
	res := run(t, Config{URL: reactorEchoServer(t), Conns: 10, Rate: 2000, Duration: time.Second})
	clean(t, res)
	want := 2000 * res.Seconds
	if got := float64(res.Requests); got < 0.9*want || got > 1.1*want {
		t.Fatalf("%d requests in %.3fs at rate 2000, want %.0f +-10%%", res.Requests, res.Seconds, want)
	}
}

// -n with --rate stops after exactly N.
func TestOpenLoopExactCount(t *testing.T) {
	res := run(t, Config{URL: reactorEchoServer(t), Conns: 3, Depth: 2, Rate: 5000, Requests: 500})
	clean(t, res)
	if res.Requests != 500 {
		t.Fatalf("%d requests, want 500", res.Requests)
	}
	if res.Seconds < 0.08 || res.Seconds > 2 {
		t.Fatalf("500 requests at 5000/s took %.3fs, want about 0.1s", res.Seconds)
	}
}

// slow counts replies of at least 100 ms.
func slow(res *Result) int64 {
	var n int64
	for _, b := range res.Hist.Distribution() {
		if b.From >= int64(100*time.Millisecond) {
			n += b.Count
		}
	}
	return n
}

// One 200 ms stall of the server: a closed loop records one slow request
// (it sent nothing meanwhile); the open loop records every request that
// fell due during the stall, as slow as it really was for its sender.
func TestCoordinatedOmission(t *testing.T) {
	stallingServer := func() string {
		var lines atomic.Int64
		return goLineServer(t, func(s string) string {
			if lines.Add(1) == 100 {
				time.Sleep(200 * time.Millisecond)
			}
			return s
		})
	}
	closed := run(t, Config{URL: stallingServer(), Mode: "line", Conns: 1, Requests: 300})
	clean(t, closed)
	open := run(t, Config{URL: stallingServer(), Mode: "line", Conns: 1, Rate: 1000, Requests: 500})
	clean(t, open)
	// 1, plus any stall a busy machine adds on its own
	if n := slow(closed); n < 1 || n > 10 {
		t.Fatalf("closed loop: %d replies >= 100ms, want 1", n)
	}
	// ~200 requests fell due during the stall; about half waited >= 100 ms.
	if n := slow(open); n < 60 {
		t.Fatalf("open loop: %d replies >= 100ms, want about 100", n)
	}
	if open.Latency.Max < 190e3 {
		t.Fatalf("open loop max %.0fµs, want >= 200ms", open.Latency.Max)
	}
}
