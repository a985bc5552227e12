// Package core is netplay's VM core: the script VM and its coroutine
// scheduler, the queue and timer heap, the callback budget, loop VMs and
// worker VMs, and the host API (host.VM) every module is given. The public
// API, and the lifecycle of a Runtime, are runtime.Runtime's: a thin
// wrapper around Runtime here.
package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	"github.com/netplay-lab/netplay/runtime/internal/ratelog"
	"github.com/netplay-lab/netplay/runtime/internal/sandbox"
	lua "github.com/yuin/gopher-lua"
)

// Config configures a Runtime. The zero value is a valid configuration
// with no modules.
type Config struct {
	Unsafe  bool             // io, debug, os.execute… available; default: sandboxed
	Stdout  io.Writer        // print() and logs; nil -> os.Stdout
	Stderr  io.Writer        // errors and tracebacks; nil -> os.Stderr
	Budget  time.Duration    // per-callback budget; 0 -> DefaultBudget; < 0 -> none
	Modules []*host.Module   // the modules every VM opens, in order
	Engine  []reactor.Option // the engine's options (besides its logger), applied on first use
	// MaxMemory caps the process's live Go heap for Lua: past it the
	// running chunk, handler or pool job fails with "memory limit
	// exceeded". 0: no cap.
	MaxMemory int64
	// PoolBudget bounds one pool job's run; 0 -> DefaultPoolBudget; < 0 -> none.
	PoolBudget time.Duration
}

// DefaultBudget is the per-callback budget when Options.Budget is 0.
const DefaultBudget = time.Second

// ErrStopped is returned by calls made after Stop.
var ErrStopped = errors.New("netplay: runtime stopped")

// Runtime is one netplay Lua world: the script VM plus the engine, loop VMs
// and worker pool it starts on demand. Its methods are safe for concurrent
// use unless noted.
type Runtime struct {
	opts   Config
	stdout io.Writer
	stderr io.Writer
	outMu  sync.Mutex

	wd     *watchdog
	script *vm
	q      *queue

	// vmMu is held by whoever runs Lua on the script VM: the VM goroutine
	// while it drains the queue, or a loop goroutine that runs one conn's
	// events inline (enterFromLoop). onLoop is that loop (nil on the VM
	// goroutine); set under vmMu, read also by loops waiting for it.
	vmMu   sync.Mutex
	onLoop atomic.Pointer[reactor.Loop]

	stopOnce sync.Once
	stopped  chan struct{}
	exited   chan struct{} // closed when the VM goroutine returns

	modules []*host.Module // the modules every VM opens (moduleList)

	lazy lazyParts // engine, pool, loop VMs: started on first use
	// shared holds per-Runtime module values (host.VM.Shared).
	sharedMu sync.Mutex
	shared   map[any]any
	dir      atomic.Pointer[string] // folder of the main script

	errLog  *ratelog.Limiter // script errors, each at most once per errLogWindow
	errTick atomic.Bool      // a summary of suppressed errors is due
	mem     *memwatch.Watchdog
}

// New starts a runtime: the script VM and its goroutine. The network engine,
// the worker pool and the budget watchdog start lazily on first use, so a
// chunk that does not touch them starts in a few milliseconds.
func New(opts Config) (*Runtime, error) {
	rt := &Runtime{opts: opts, stdout: opts.Stdout, stderr: opts.Stderr,
		stopped: make(chan struct{}), exited: make(chan struct{}), modules: opts.Modules}
	if rt.stdout == nil {
		rt.stdout = os.Stdout
	}
	if rt.stderr == nil {
		rt.stderr = os.Stderr
	}
	rt.errLog = &ratelog.Limiter{W: lockedWriter{rt}, Window: errLogWindow}
	if opts.MaxMemory > 0 {
		// before the VMs: their builtins ask it (memwatch.Install)
		rt.mem = &memwatch.Watchdog{Limit: uint64(opts.MaxMemory), Over: rt.overMemory}
	}
	rt.shared = map[any]any{memwatch.SharedKey{}: rt.mem}
	rt.wd = newWatchdog(rt.budgetLimit())
	rt.q = newQueue()
	rt.script = newVM(rt, host.Script)
	rt.script.s = newSched(rt.script, newBudget(rt.budgetLimit(), rt.wd), rt.q.post)
	rt.script.s.after = func(d time.Duration, fn func()) func() bool {
		tm := &vmTimer{when: time.Now().Add(d), fn: fn}
		rt.q.timers.add(tm)
		return func() bool { return rt.q.timers.remove(tm) }
	}
	if rt.mem != nil {
		rt.mem.Start()
	}
	go rt.vmLoop()
	return rt, nil
}

func (rt *Runtime) budgetLimit() time.Duration {
	switch {
	case rt.opts.Budget == 0:
		return DefaultBudget
	case rt.opts.Budget < 0:
		return 0
	}
	return rt.opts.Budget
}

// writeOut writes s to Stdout in one call. Safe for concurrent use.
func (rt *Runtime) writeOut(s string) {
	rt.outMu.Lock()
	io.WriteString(rt.stdout, s)
	rt.outMu.Unlock()
}

// logError prints a script error and its traceback on Stderr, the same
// error at most once a second: a timer that re-arms itself and fails
// would otherwise write hundreds of tracebacks a second. Repeats are
// summed up in one line when the second is over.
func (rt *Runtime) logError(e *host.ScriptError) {
	s := e.Msg + "\n"
	if e.Traceback != "" {
		s += e.Traceback + "\n"
	}
	if !rt.errLog.Print(s) && rt.errTick.CompareAndSwap(false, true) {
		time.AfterFunc(errLogWindow, func() {
			rt.errTick.Store(false)
			rt.errLog.Tick()
		})
	}
}

// errLogWindow is how often one script error is printed at most.
const errLogWindow = time.Second

// logf prints a netplay message on Stderr.
func (rt *Runtime) logf(format string, args ...any) {
	s := "netplay: " + fmt.Sprintf(format, args...) + "\n"
	rt.outMu.Lock()
	io.WriteString(rt.stderr, s)
	rt.outMu.Unlock()
}

// vmLoop is the script VM goroutine: it drains the queue in batches, fires
// due timers and tells Wait callers when nothing keeps the VM alive.
func (rt *Runtime) vmLoop() {
	defer close(rt.exited)
	q, s := rt.q, rt.script.s
	var batch []func()
	for {
		rt.vmMu.Lock()
		batch = q.take(batch[:0])
		for i, fn := range batch {
			rt.safely(fn)
			batch[i] = nil
		}
		q.timers.fire(rt.safely)
		more := q.len() > 0
		if !more && s.keep == 0 && s.pending == 0 && !s.onDoneDue() { // Lua timers are in keep; internal ones (timeouts) do not count
			q.notifyIdle()
		}
		q.sleepUntil = q.timers.next()
		until := q.sleepUntil
		rt.vmMu.Unlock()
		if more {
			continue
		}
		if !q.sleep(until) {
			return
		}
	}
}

// safely runs fn and turns a Go panic into a logged error: a module bug must
// not take the VM goroutine (or a loop) down. Lua code itself never panics
// through here: gopher-lua turns panics inside a resume into Lua errors.
func (rt *Runtime) safely(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			rt.logf("recovered panic: %v", r)
		}
	}()
	fn()
}

// onVM runs fn on the script VM goroutine and waits for it.
func (rt *Runtime) onVM(fn func()) error {
	done := make(chan struct{})
	if !rt.q.postChecked(func() { defer close(done); fn() }) {
		return ErrStopped
	}
	select {
	case <-done:
		return nil
	case <-rt.exited:
		return ErrStopped
	}
}

// Do runs fn on the script VM goroutine and waits for it; fn may read and
// call Lua values with L (the VM's main state; it must not yield). Do must
// not be called from the VM goroutine itself (from onResult or a module).
func (rt *Runtime) Do(fn func(L *lua.LState)) error {
	return rt.onVM(func() { fn(rt.script.ls) })
}

// RunFile runs the file as the main chunk on the script VM, with args in the
// global arg (arg[0] = path). It returns when the main chunk finishes;
// servers and timers it started keep running (see Wait).
func (rt *Runtime) RunFile(path string, args []string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("netplay: run %s: %w", path, err)
	}
	dir := "."
	if abs, err := filepath.Abs(path); err == nil {
		dir = filepath.Dir(abs)
	}
	if err := rt.Do(func(L *lua.LState) {
		rt.script.dir = dir
		rt.dir.Store(&dir)
		sandbox.Install(L, rt.script.root()) // require now looks in the script's folder
		t := L.NewTable()
		t.RawSetInt(0, lua.LString(path))
		for i, a := range args {
			t.RawSetInt(i+1, lua.LString(a))
		}
		L.SetGlobal("arg", t)
	}); err != nil {
		return err
	}
	return rt.Eval(context.Background(), path, string(src), nil)
}

// RunString runs src as a chunk named name on the script VM and returns when
// it finishes.
func (rt *Runtime) RunString(name, src string) error {
	return rt.Eval(context.Background(), name, src, nil)
}

// Eval compiles src as a chunk named name and runs it as a coroutine on the
// script VM, blocking until it finishes. onResult (may be nil) runs on the VM
// goroutine with the chunk's return values. Cancelling ctx interrupts the
// chunk (a running loop is stopped, a waiting call abandoned); servers and
// timers keep running. Errors are *host.ScriptError.
func (rt *Runtime) Eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	return rt.eval(ctx, name, src, onResult, false)
}

// EvalLimited is Eval with the chunk under the per-callback budget, as a
// handler runs: a line that computes too long fails with the budget error
// instead of stalling every server of the script VM.
func (rt *Runtime) EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	return rt.eval(ctx, name, src, onResult, true)
}

func (rt *Runtime) eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue), limited bool) error {
	res := make(chan error, 1)
	type started struct {
		co  *coro
		run uint64
	}
	cos := make(chan started, 1)
	posted := rt.q.postChecked(func() {
		s := rt.script.s
		fn, err := s.L.Load(strings.NewReader(src), name)
		if err != nil {
			cos <- started{}
			res <- &host.ScriptError{Msg: host.SyntaxError(name, err, strings.Count(src, "\n")+1).Error()}
			return
		}
		co := s.get()
		cos <- started{co, co.run.Load() + 1}
		s.start(co, fn, nil, limited, func(rets []lua.LValue, e *host.ScriptError) {
			if e != nil {
				res <- e
				return
			}
			if onResult != nil {
				onResult(s.L, rets)
			}
			res <- nil
		})
	})
	if !posted {
		return ErrStopped
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		select {
		case st := <-cos:
			if st.co != nil {
				rt.script.s.interrupt(st.co, st.run)
			}
		case <-rt.exited:
			return ErrStopped
		}
	case <-rt.exited:
		return ErrStopped
	}
	select {
	case err := <-res:
		return err
	case <-rt.exited:
		return ErrStopped
	}
}

// Wait blocks until nothing keeps the script VM alive (no server, conn,
// timer or waiting coroutine), the runtime is stopped, or ctx is done.
func (rt *Runtime) Wait(ctx context.Context) error {
	ch := make(chan struct{})
	if !rt.q.postChecked(func() { rt.q.idleWaiters = append(rt.q.idleWaiters, ch) }) {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-rt.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop stops the runtime gracefully: servers stop accepting, conns flush and
// close (their on_close handlers run), pool jobs finish or are dropped at ctx's
// end, waiting coroutines are abandoned and the VM goroutine ends. Calls
// after the first return nil at once.
func (rt *Runtime) Stop(ctx context.Context) error {
	var err error
	rt.stopOnce.Do(func() {
		close(rt.stopped)
		// A handler stuck in Lua (or in a builtin that checks its context)
		// would hold its loop or the VM goroutine, and the engine's
		// graceful stop would wait for it until ctx ends: interrupt what
		// runs now, then again whatever started meanwhile.
		rt.interruptRunning()
		err = rt.stopLazy(ctx)
		rt.interruptRunning()
		rt.q.close()
		select {
		case <-rt.exited:
		case <-ctx.Done():
			if err == nil {
				err = ctx.Err()
			}
		}
		rt.wd.stop()
		if rt.mem != nil {
			rt.mem.Stop()
		}
		rt.errLog.Flush()
	})
	return err
}

// interruptRunning interrupts the callback or chunk running on the script
// VM and on every loop VM right now. Safe for concurrent use.
func (rt *Runtime) interruptRunning() {
	for _, s := range rt.scheds() {
		if co := s.running.Load(); co != nil {
			s.interrupt(co, co.run.Load())
		}
	}
}

// overMemory stops whatever Lua runs when the heap passes MaxMemory: the
// chunk or callback running on the script VM and on each loop VM, and
// every running pool job, each failing with "memory limit exceeded".
// Called by the memory watchdog.
func (rt *Runtime) overMemory(heap uint64) {
	rt.logf("memory limit exceeded (live heap %d MiB > %d MiB): stopping the running Lua", heap>>20, rt.opts.MaxMemory>>20)
	for _, s := range rt.scheds() {
		if s.running.Load() != nil {
			s.budget.trip(memwatch.ErrMemoryLimit)
		}
	}
	rt.lazy.mu.Lock()
	p := rt.lazy.pool
	rt.lazy.mu.Unlock()
	if p != nil {
		p.cancelRunning(memwatch.ErrMemoryLimit)
	}
}

// scheds returns the script VM's scheduler and those of the loop VMs.
func (rt *Runtime) scheds() []*sched {
	ss := []*sched{rt.script.s}
	rt.lazy.mu.Lock()
	for _, v := range rt.lazy.loopVMs {
		ss = append(ss, v.s)
	}
	rt.lazy.mu.Unlock()
	return ss
}

// scriptDir is the folder of the main script ("." before RunFile).
func (rt *Runtime) scriptDir() string {
	if p := rt.dir.Load(); p != nil {
		return *p
	}
	return "."
}
