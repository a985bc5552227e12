// Package runtime is netplay's Lua side as a Go API: a Runtime is one Lua
// world (the script VM, and the engine, loop VMs and worker pool it starts
// on demand) with the modules of modules.go. The VM core is in
// runtime/internal/core, each Lua module in a package under runtime/lib.
//
// Lifecycle of a Runtime:
//
//	New            script VM goroutine started; engine, pool and watchdog start on first use
//	RunFile/Eval   a chunk runs as a coroutine on the script VM; handlers it installs run later
//	Wait           returns when no server, conn, timer or waiting coroutine keeps the VM alive
//	Stop           closes servers and conns gracefully, abandons waiting coroutines, ends the VM
package runtime

import (
	"context"
	"io"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/internal/core"
	lua "github.com/yuin/gopher-lua"
)

// Options configures a Runtime. The zero value is a valid configuration.
type Options struct {
	Unsafe bool          // io, debug, os.execute… available; default: sandboxed
	Stdout io.Writer     // print() and logs; nil -> os.Stdout
	Stderr io.Writer     // errors and tracebacks; nil -> os.Stderr
	Budget time.Duration // per-callback budget; 0 -> 1s; < 0 -> none
	Loops  int           // engine loops; 0 -> GOMAXPROCS
	// MaxConns is the engine's per-process conn limit; 0 -> the reactor's default.
	MaxConns int
	// MaxMemory caps the live Go heap for Lua, in bytes: past it the
	// running chunk, handler or pool job fails with "memory limit
	// exceeded" and the process goes on. 0: no cap. netplay passes its
	// --max-memory value (the same number is Go's soft memory limit).
	MaxMemory int64
	// PoolBudget bounds one pool job's run (pool.run, pool.submit);
	// 0 -> 30s; < 0 -> none.
	PoolBudget time.Duration
}

// DefaultBudget is the per-callback budget when Options.Budget is 0.
const DefaultBudget = core.DefaultBudget

// ErrStopped is returned by calls made after Stop.
var ErrStopped = core.ErrStopped

// Runtime is one netplay Lua world. Its methods are safe for concurrent
// use unless noted.
type Runtime struct {
	c *core.Runtime
}

// New starts a runtime: the script VM and its goroutine. The network engine,
// the worker pool and the budget watchdog start lazily on first use, so a
// chunk that does not touch them starts in a few milliseconds.
func New(opts Options) (*Runtime, error) {
	c, err := core.New(core.Config{
		Unsafe: opts.Unsafe, Stdout: opts.Stdout, Stderr: opts.Stderr, Budget: opts.Budget,
		MaxMemory: opts.MaxMemory, PoolBudget: opts.PoolBudget,
		Modules: modules(),
		Engine:  engineOptions(opts),
	})
	if err != nil {
		return nil, err
	}
	return &Runtime{c: c}, nil
}

// engineOptions are the network engine's options from opts.
func engineOptions(opts Options) []reactor.Option {
	var eo []reactor.Option
	if opts.Loops > 0 {
		eo = append(eo, reactor.WithLoops(opts.Loops))
	}
	if opts.MaxConns > 0 {
		eo = append(eo, reactor.WithMaxConns(opts.MaxConns))
	}
	return eo
}

// Do runs fn on the script VM goroutine and waits for it; fn may read and
// call Lua values with L (the VM's main state; it must not yield). Do must
// not be called from the VM goroutine itself (from onResult or a module).
func (rt *Runtime) Do(fn func(L *lua.LState)) error { return rt.c.Do(fn) }

// RunFile runs the file as the main chunk on the script VM, with args in the
// global arg (arg[0] = path). It returns when the main chunk finishes;
// servers and timers it started keep running (see Wait).
func (rt *Runtime) RunFile(path string, args []string) error { return rt.c.RunFile(path, args) }

// RunString runs src as a chunk named name on the script VM and returns when
// it finishes.
func (rt *Runtime) RunString(name, src string) error { return rt.c.RunString(name, src) }

// Eval compiles src as a chunk named name and runs it as a coroutine on the
// script VM, blocking until it finishes. onResult (may be nil) runs on the VM
// goroutine with the chunk's return values. Cancelling ctx interrupts the
// chunk (a running loop is stopped, a waiting call abandoned); servers and
// timers keep running. Errors are *ScriptError.
func (rt *Runtime) Eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	return rt.c.Eval(ctx, name, src, onResult)
}

// EvalLimited is Eval with the chunk under the per-callback budget
// (Options.Budget), as a handler runs: the shell's lines use it so a long
// computation at the prompt fails with the budget error instead of
// stalling the servers. ctx still interrupts it.
func (rt *Runtime) EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	return rt.c.EvalLimited(ctx, name, src, onResult)
}

// Wait blocks until nothing keeps the script VM alive (no server, conn,
// timer or waiting coroutine), the runtime is stopped, or ctx is done.
func (rt *Runtime) Wait(ctx context.Context) error { return rt.c.Wait(ctx) }

// Stop stops the runtime gracefully: servers stop accepting, conns flush and
// close (their on_close handlers run), pool jobs finish or are dropped at ctx's
// end, waiting coroutines are abandoned and the VM goroutine ends. Calls
// after the first return nil at once.
func (rt *Runtime) Stop(ctx context.Context) error { return rt.c.Stop(ctx) }

// Engine returns the network engine, starting it on first use (nil if it
// cannot start, for example on an unsupported OS).
func (rt *Runtime) Engine() *reactor.Engine { return rt.c.Engine() }
