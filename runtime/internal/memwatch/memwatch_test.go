package memwatch

import (
	"testing"
	"time"
)

func TestWatchdogFiresOnceOverLimit(t *testing.T) {
	base := Heap(nil)
	fired := make(chan uint64, 4)
	w := &Watchdog{Limit: base + 64<<20, Interval: 5 * time.Millisecond, Over: func(h uint64) { fired <- h }}
	w.Start()
	defer w.Stop()
	var hold [][]byte
	deadline := time.After(5 * time.Second)
	for {
		hold = append(hold, make([]byte, 1<<20))
		select {
		case h := <-fired:
			if h <= w.Limit {
				t.Fatalf("fired at %d bytes, under the limit %d", h, w.Limit)
			}
			select {
			case <-fired:
				t.Fatal("fired twice without the heap falling below the limit")
			case <-time.After(50 * time.Millisecond):
			}
			_ = hold
			return
		case <-deadline:
			t.Fatalf("no call after allocating %d MiB over a limit of base+64 MiB", len(hold))
		default:
		}
		if len(hold) > 1024 {
			t.Fatal("allocated 1 GiB without the watchdog firing")
		}
	}
}

func TestZeroLimitDoesNotStart(t *testing.T) {
	w := &Watchdog{}
	w.Start()
	w.Stop() // must not block
}
