package memwatch

import (
	"fmt"
	"math"
	"runtime"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// bigRequest is the size from which a grant is remembered until the next
// sample: smaller ones cannot add up to much in 50 ms, and skipping them
// keeps the common call to two atomic loads and a compare.
const bigRequest = 64 << 10

// gcEvery spaces the collections Reserve forces: a script calling a
// refused builtin in a loop must not keep the collector running.
const gcEvery = 250 * time.Millisecond

// LimitError is what Reserve returns for a request that does not fit; it
// wraps ErrMemoryLimit, so its text starts like the watchdog's error.
type LimitError struct {
	Asked, Heap, Limit int64 // bytes
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%v (%s asked, live heap %s, --max-memory %s)", ErrMemoryLimit, mib(e.Asked), mib(e.Heap), mib(e.Limit))
}

func (e *LimitError) Unwrap() error { return ErrMemoryLimit }

func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// Reserve reports whether n more bytes fit under Limit, before a builtin
// allocates them: nil if the heap the watchdog last saw plus the big
// grants since plus n stays under Limit. Otherwise it measures the heap
// afresh (after a collection, at most one every gcEvery) and returns a
// *LimitError if n still does not fit, or the heap is already past Limit.
// A nil or zero Watchdog grants everything. Safe for concurrent use; the
// common case is two atomic loads.
func (w *Watchdog) Reserve(n int64) error {
	if w == nil || w.Limit == 0 {
		return nil
	}
	if n < 0 {
		n = math.MaxInt64 / 2
	}
	if int64(w.seen.Load())+w.reserved.Load()+n <= int64(w.Limit) {
		if n >= bigRequest {
			w.reserved.Add(n)
		}
		return nil
	}
	return w.reserveSlow(n)
}

// reserveSlow decides a request the last sample could not grant.
func (w *Watchdog) reserveSlow(n int64) error {
	lim := int64(w.Limit)
	if n > lim {
		return &LimitError{Asked: n, Heap: int64(w.seen.Load()), Limit: lim}
	}
	w.gcMu.Lock()
	defer w.gcMu.Unlock()
	heap := int64(Heap(nil))
	if heap+n > lim && time.Since(w.lastGC) >= gcEvery {
		// the sample counts garbage not yet swept: collect before refusing
		runtime.GC()
		w.lastGC = time.Now()
		heap = int64(Heap(nil))
	}
	w.seen.Store(uint64(heap))
	w.reserved.Store(0)
	if heap+n > lim {
		return &LimitError{Asked: n, Heap: heap, Limit: lim}
	}
	if n >= bigRequest {
		w.reserved.Add(n)
	}
	return nil
}

// Check is Reserve for a Lua builtin: it raises op's "memory limit
// exceeded" error in L (the calling VM only; pcall catches it) when n
// bytes do not fit. Nothing has been allocated when it raises.
func (w *Watchdog) Check(L *lua.LState, op string, n int64) {
	if err := w.Reserve(n); err != nil {
		L.RaiseError("%s: %v", op, err)
	}
}

// Mul is a*b for sizes, saturating instead of overflowing (a, b >= 0).
func Mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/2/b {
		return math.MaxInt64 / 2
	}
	return a * b
}

// SharedKey is the key under which the runtime keeps its *Watchdog in its
// shared values (host.VM.Shared), for modules to find with Of.
type SharedKey struct{}

// Of returns the runtime's watchdog, nil when it has no memory cap.
func Of(shared func(key any, mk func() any) any) *Watchdog {
	w, _ := shared(SharedKey{}, func() any { return (*Watchdog)(nil) }).(*Watchdog)
	return w
}
