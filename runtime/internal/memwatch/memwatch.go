// Package memwatch stops a script that eats memory: a watchdog samples the
// Go heap a few times a second and, past a limit, calls the runtime back so
// it can cancel whatever Lua is running ("memory limit exceeded") before
// the process is killed from outside; and the builtins that can allocate a
// lot in one call (string.rep, table.concat, json.encode, …) ask it first
// (Reserve), so one call cannot jump past the limit between two samples.
package memwatch

import (
	"context"
	"errors"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
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
// The zero value is not running; call Start. A nil *Watchdog is no limit:
// its Reserve always succeeds.
type Watchdog struct {
	Limit    uint64        // bytes; 0 -> no limit
	Interval time.Duration // 0 -> 50 ms
	Over     func(heap uint64)

	// seen is the heap at the last sample; reserved is what Reserve granted
	// since (big requests only), so a run of large calls between two
	// samples adds up. Both atomic: any VM reads them.
	seen     atomic.Uint64
	reserved atomic.Int64

	stop context.CancelFunc
	done chan struct{}
	mu   sync.Mutex

	gcMu   sync.Mutex // one forced GC at a time (see Reserve)
	lastGC time.Time  // under gcMu
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
	w.seen.Store(Heap(nil))
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
		heap := w.sample(sample)
		switch {
		case armed && heap > w.Limit:
			armed = false
			w.Over(heap)
			runtime.GC() // give back what the cancelled chunk held
			w.sample(sample)
		case !armed && heap < w.Limit/4*3:
			armed = true
		}
	}
}

// sample reads the heap and makes it what Reserve compares against.
func (w *Watchdog) sample(s []metrics.Sample) uint64 {
	heap := Heap(s)
	w.seen.Store(heap)
	w.reserved.Store(0) // what was granted is in heap now (or was freed)
	return heap
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
