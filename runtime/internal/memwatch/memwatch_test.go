package memwatch

import (
	"errors"
	"strings"
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

// Reserve grants what fits under the limit, refuses what does not (with
// an error that is ErrMemoryLimit), refuses everything once the heap is
// past the limit, and a nil watchdog grants everything.
func TestReserve(t *testing.T) {
	base := Heap(nil)
	w := &Watchdog{Limit: base + 32<<20, Over: func(uint64) {}}
	w.Start()
	defer w.Stop()
	if err := w.Reserve(1 << 20); err != nil {
		t.Fatalf("1 MiB under base+32 MiB: %v", err)
	}
	err := w.Reserve(64 << 20)
	if !errors.Is(err, ErrMemoryLimit) || !strings.Contains(err.Error(), "memory limit exceeded (64 MiB asked") {
		t.Fatalf("64 MiB under base+32 MiB: %v", err)
	}
	if err := w.Reserve(-1); !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("a negative (overflowed) size: %v", err)
	}
	small := &Watchdog{Limit: 1 << 10}
	small.Start()
	defer small.Stop()
	if err := small.Reserve(10); !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("10 bytes with the heap already past the limit: %v", err)
	}
	var none *Watchdog
	if err := none.Reserve(1 << 40); err != nil {
		t.Fatalf("nil watchdog: %v", err)
	}
}
