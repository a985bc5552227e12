package core

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Errors a callback is stopped with.
var (
	// ErrBudget is the error of a callback that ran longer than Options.Budget.
	ErrBudget = errors.New("netplay: callback exceeded its budget")
	// ErrInterrupted is the error of a chunk interrupted by Ctrl-C or a stop.
	ErrInterrupted = errors.New("interrupted")
)

// budget is the context.Context every coroutine thread of one VM runs with
// (L.SetContext). gopher-lua checks Done() before every instruction; the
// watchdog closes the channel when the running callback overstays.
//
// Why not L.SetContext(context.WithTimeout(...)) per callback: that costs a
// context, a runtime timer and a cancel per message (about 1 µs and three
// allocations). Here a callback start and end are two atomic adds; the
// watchdog goroutine samples the sequence number every limit/4 and sleeps
// while no VM is running Lua.
//
// Done is read only by the goroutine that owns the VM (gopher-lua's main
// loop); ch is replaced by that goroutine, after a trip, under mu, and closed
// by the watchdog under mu.
type budget struct {
	limit time.Duration // <= 0: callbacks are not limited
	w     *watchdog

	seq       atomic.Uint64 // odd while a callback runs
	unlimited atomic.Bool   // the running callback is a top-level chunk
	err       atomic.Pointer[error]

	mu    sync.Mutex
	ch    chan struct{}
	after map[uint64]func()
	next  uint64

	// watchdog state, watchdog goroutine only
	lastSeq uint64
	ticks   int
}

var _ context.Context = (*budget)(nil)

func newBudget(limit time.Duration, w *watchdog) *budget {
	b := &budget{limit: limit, w: w, ch: make(chan struct{})}
	if w != nil && limit > 0 {
		w.add(b)
	}
	return b
}

func (b *budget) Deadline() (time.Time, bool) { return time.Time{}, false }
func (b *budget) Value(any) any               { return nil }

// Done is nil while the budget has not tripped: gopher-lua selects on it
// before every instruction, and a select on a nil channel returns at once,
// where one on an open channel inspects it (6 % of all CPU in a profile of
// BenchmarkRedisPipelined/PING). After a trip it is the closed channel. A context made from this
// one while Done is nil never hears of a trip, so threads get the budget
// itself as their context (see sched.get, installPcall, ownThreads).
func (b *budget) Done() <-chan struct{} {
	if b.err.Load() != nil {
		return b.ch
	}
	return nil
}

// Err reports why the running callback was stopped, or nil.
func (b *budget) Err() error {
	if p := b.err.Load(); p != nil {
		return *p
	}
	return nil
}

// AfterFunc lets context.WithCancel children (coroutine.create in Lua) follow
// a trip without a goroutine each.
func (b *budget) AfterFunc(f func()) func() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.after == nil {
		b.after = make(map[uint64]func())
	}
	b.next++
	id := b.next
	b.after[id] = f
	return func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		_, ok := b.after[id]
		delete(b.after, id)
		return ok
	}
}

// ownThreads wraps coroutine.create or coroutine.wrap (name) so that the
// thread it makes runs with this budget as its context. gopher-lua gives a
// new thread a child of its creator's context: with Done nil that child
// would not follow a trip, and with a channel it would leave a callback
// registered here for every coroutine ever made.
func (b *budget) ownThreads(name string, create lua.LGFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		n := create(L)
		var th *lua.LState
		switch v := L.Get(-1).(type) {
		case *lua.LState:
			th = v
		case *lua.LFunction: // wrap: a Go closure over the thread
			if name == "wrap" && len(v.Upvalues) == 1 {
				th, _ = v.Upvalues[0].Value().(*lua.LState)
			}
		}
		if th == nil {
			L.RaiseError("netplay: coroutine.%s: no thread to bound", name)
		}
		th.SetContext(b)
		return n
	}
}

// begin marks the start of a callback. VM goroutine only.
func (b *budget) begin(limited bool) {
	b.unlimited.Store(!limited)
	b.seq.Add(1)
	if b.w != nil && limited && b.limit > 0 {
		b.w.poke()
	}
}

// end marks the end of a callback and re-arms a tripped budget. VM goroutine only.
func (b *budget) end() {
	b.seq.Add(1)
	b.rearm()
}

// rearm gives a tripped budget a fresh channel. VM goroutine only.
func (b *budget) rearm() {
	if b.err.Load() != nil {
		b.mu.Lock()
		b.ch = make(chan struct{})
		b.err.Store(nil)
		b.mu.Unlock()
	}
}

// restart starts a new budget for the running limited callback (the next
// message of a dispatch): the watchdog sees the sequence move. VM goroutine only.
func (b *budget) restart() {
	b.seq.Add(2)
	b.rearm() // tripped after the last message returned: the next one starts clean
}

// trip stops the running callback with err. Safe for concurrent use.
func (b *budget) trip(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err.Load() != nil {
		return
	}
	b.err.Store(&err)
	close(b.ch)
	fs := b.after
	b.after = nil
	for _, f := range fs {
		go f()
	}
}

// watchdog samples the budgets of all VMs of a runtime.
type watchdog struct {
	mu       sync.Mutex
	budgets  []*budget
	tick     time.Duration
	kick     chan struct{}
	sleeping atomic.Bool
	quit     chan struct{}
	once     sync.Once
	started  atomic.Bool
}

func newWatchdog(limit time.Duration) *watchdog {
	tick := limit / 4
	if tick <= 0 || tick > 250*time.Millisecond {
		tick = 250 * time.Millisecond
	}
	if tick < time.Millisecond {
		tick = time.Millisecond
	}
	w := &watchdog{tick: tick, kick: make(chan struct{}, 1), quit: make(chan struct{})}
	w.sleeping.Store(true)
	return w
}

func (w *watchdog) add(b *budget) {
	w.mu.Lock()
	w.budgets = append(w.budgets, b)
	w.mu.Unlock()
}

func (w *watchdog) remove(b *budget) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, x := range w.budgets {
		if x == b {
			w.budgets = append(w.budgets[:i], w.budgets[i+1:]...)
			return
		}
	}
}

// poke wakes the watchdog if it sleeps; it is started on first use.
func (w *watchdog) poke() {
	if !w.sleeping.Load() {
		return
	}
	if w.started.CompareAndSwap(false, true) {
		go w.run()
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *watchdog) stop() { w.once.Do(func() { close(w.quit) }) }

func (w *watchdog) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-w.kick:
		case <-w.quit:
			return
		}
		w.sleeping.Store(false)
		for idle := 0; idle < 4; {
			select {
			case <-t.C:
			case <-w.quit:
				return
			}
			if w.sample() {
				idle = 0
			} else {
				idle++
			}
		}
		w.sleeping.Store(true)
		if w.sample() { // a callback started between the last sample and now
			w.sleeping.Store(false)
			select {
			case w.kick <- struct{}{}:
			default:
			}
		}
	}
}

// sample checks every budget once and reports whether any VM was busy.
func (w *watchdog) sample() bool {
	w.mu.Lock()
	bs := append([]*budget(nil), w.budgets...)
	w.mu.Unlock()
	busy := false
	for _, b := range bs {
		s := b.seq.Load()
		if s%2 == 0 || b.unlimited.Load() {
			b.lastSeq, b.ticks = s, 0
			continue
		}
		busy = true
		if s != b.lastSeq {
			b.lastSeq, b.ticks = s, 0
			continue
		}
		b.ticks++
		if time.Duration(b.ticks)*w.tick >= b.limit && b.seq.Load() == s {
			b.trip(ErrBudget)
			b.ticks = 0
		}
	}
	return busy
}
