package buffer

import (
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Slices above the largest class are not pooled: Put drops them and the
// garbage collector frees them. Go returns freed heap to the operating
// system only slowly (and an idle server may not collect at all), so the
// memory of one large frame stayed resident after its client left. Once
// releaseAfter bytes of such slices were dropped, a background goroutine
// collects and returns the memory to the system (debug.FreeOSMemory), at
// most once per releaseEvery.
const (
	releaseAfter = 16 << 20
	releaseEvery = time.Second
)

var (
	dropped   atomic.Int64  // large bytes dropped since the last release
	releasing atomic.Bool   // the release goroutine runs
	releases  atomic.Uint64 // releases done, for tests
)

// dropLarge notes that a slice of n bytes above the pooled classes was
// dropped and starts a release when enough have been.
func dropLarge(n int) {
	if dropped.Add(int64(n)) < releaseAfter || !releasing.CompareAndSwap(false, true) {
		return
	}
	go release()
}

func release() {
	for {
		dropped.Store(0)
		debug.FreeOSMemory()
		releases.Add(1)
		time.Sleep(releaseEvery)
		if dropped.Load() >= releaseAfter {
			continue // more was dropped meanwhile
		}
		releasing.Store(false)
		// A drop between the check and the store saw releasing still set
		// and left it to this goroutine: look once more.
		if dropped.Load() < releaseAfter || !releasing.CompareAndSwap(false, true) {
			return
		}
	}
}

// Releases returns how many times dropped large slices made the pool
// return memory to the operating system. Safe for concurrent use.
func Releases() uint64 { return releases.Load() }
