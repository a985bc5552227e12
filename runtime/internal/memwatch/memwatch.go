// Package memwatch stops a script that eats memory: a watchdog samples the
// Go heap a few times a second and, past a limit, calls the runtime back so
// it can cancel whatever Lua is running ("memory limit exceeded") before
// the process is killed from outside.
package memwatch

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// ErrMemoryLimit is the cause a cancelled VM context carries; Lua sees its
// text.
var ErrMemoryLimit = errors.New("memory limit exceeded")

// liveMetric is the heap bytes in live and not-yet-swept objects: what a
// runaway `t[i] = i` loop grows.
const liveMetric = "/memory/classes/heap/objects:bytes"

// Watchdog samples the heap every Interval and calls Over once for each
// time the heap crosses Limit (again only after it fell below Limit*3/4).
// The zero value is not running; call Start.
type Watchdog struct {
	Limit    uint64        // bytes; 0 -> no limit
	Interval time.Duration // 0 -> 50 ms
	Over     func(heap uint64)

	stop context.CancelFunc
	done chan struct{}
	mu   sync.Mutex
}

// Start runs the watchdog until Stop.
func (w *Watchdog) Start() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop != nil || w.Limit == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	iv := w.Interval
	if iv <= 0 {
		iv = 50 * time.Millisecond
	}
	go w.run(ctx, iv)
}

// Stop ends the watchdog and waits for it.
func (w *Watchdog) Stop() {
	w.mu.Lock()
	stop, done := w.stop, w.done
	w.stop = nil
	w.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

func (w *Watchdog) run(ctx context.Context, iv time.Duration) {
	defer close(w.done)
	t := time.NewTicker(iv)
	defer t.Stop()
	sample := []metrics.Sample{{Name: liveMetric}}
	armed := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		heap := Heap(sample)
		switch {
		case armed && heap > w.Limit:
			armed = false
			w.Over(heap)
			runtime.GC() // give back what the cancelled chunk held
		case !armed && heap < w.Limit/4*3:
			armed = true
		}
	}
}

// Heap returns the live heap bytes; sample may be nil.
func Heap(sample []metrics.Sample) uint64 {
	if sample == nil {
		sample = []metrics.Sample{{Name: liveMetric}}
	}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	return sample[0].Value.Uint64()
}
