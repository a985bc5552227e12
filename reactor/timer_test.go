//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimerOrder(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	l := e.Loops()[0]
	var mu sync.Mutex
	var got []int
	for _, d := range []int{30, 10, 50, 20, 40} {
		l.AfterFunc(time.Duration(d)*time.Millisecond, func() {
			mu.Lock()
			got = append(got, d)
			mu.Unlock()
		})
	}
	waitFor(t, "five timers", 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 5 })
	if want := []int{10, 20, 30, 40, 50}; !slices.Equal(got, want) {
		t.Fatalf("fired in order %v, want %v", got, want)
	}
}

func TestTimerStopAndReset(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	l := e.Loops()[0]
	var stoppedFired, resetFired, marker atomic.Bool
	var resetAt atomic.Int64
	stopped := l.AfterFunc(10*time.Millisecond, func() { stoppedFired.Store(true) })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	if stopped.Stop() {
		t.Fatal("second Stop returned true")
	}
	start := time.Now()
	reset := l.AfterFunc(5*time.Millisecond, func() { resetAt.Store(int64(time.Since(start))); resetFired.Store(true) })
	if !reset.Reset(60 * time.Millisecond) {
		t.Fatal("Reset of a pending timer returned false")
	}
	l.AfterFunc(80*time.Millisecond, func() { marker.Store(true) })
	waitFor(t, "marker timer", 5*time.Second, marker.Load)
	if stoppedFired.Load() {
		t.Fatal("stopped timer fired")
	}
	if !resetFired.Load() {
		t.Fatal("reset timer did not fire before a later one")
	}
	if at := time.Duration(resetAt.Load()); at < 60*time.Millisecond {
		t.Fatalf("reset timer fired after %v, want >= 60ms", at)
	}
	if reset.Stop() {
		t.Fatal("Stop after firing returned true")
	}
}

func TestEveryDoesNotQueueBacklog(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	l := e.Loops()[0]
	var mu sync.Mutex
	var ticks []time.Time
	var tm *Timer
	tm = l.EveryFunc(5*time.Millisecond, func() {
		mu.Lock()
		ticks = append(ticks, time.Now())
		n := len(ticks)
		mu.Unlock()
		if n == 1 {
			time.Sleep(60 * time.Millisecond) // stall the loop for ~12 periods on purpose
		}
	})
	waitFor(t, "six ticks", 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(ticks) >= 6 })
	tm.Stop()
	mu.Lock()
	defer mu.Unlock()
	for i := 2; i < len(ticks); i++ {
		if gap := ticks[i].Sub(ticks[i-1]); gap < 500*time.Microsecond {
			t.Fatalf("ticks %d and %d only %v apart: missed ticks were queued", i-1, i, gap)
		}
	}
}
