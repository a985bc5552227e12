// Package host is the API netplay's Lua modules use to reach the VM they
// are opened in, instead of the runtime's internals: suspend the calling
// coroutine, run a Lua function, post work to the VM's goroutine, timers,
// keep-alive handles, the network engine and logging. A module is a
// package under runtime/lib that exports a *Module; runtime/modules.go
// lists them.
package host

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Kind says which kind of VM a module is opened in.
type Kind uint8

const (
	Script Kind = 1 << iota // the script VM: the script, the shell and its handlers
	Loop                    // a loop VM: one per event loop (net.listen{vm = "loop"})
	Worker                  // a pool worker VM (pool.run)

	All = Script | Loop | Worker
)

// VM is one Lua world as a module sees it: the script VM, a loop VM or a
// worker VM. Unless noted, methods are called on the VM's own goroutine
// (the one running the module's Lua functions). Worker VMs have no
// scheduler: Await, Call, After and Done panic there.
type VM interface {
	// L is the VM's main state.
	L() *lua.LState
	// Kind is what kind of VM this is.
	Kind() Kind

	// Await suspends the coroutine running L until the operation started
	// by start wakes it; the values given to Wake are what the Lua call
	// returns. start runs at once; Wake is safe for concurrent use and
	// only its first call counts. A Go function uses it as
	// `return v.Await(L, "sleep", …)`; wrap it with luautil.ExactResults
	// unless it always wakes with the same number of values.
	Await(L *lua.LState, what string, start func(w Waker)) int
	// Call runs fn(args...) as a coroutine on this VM under the
	// per-callback budget. done (may be nil) gets its results or error;
	// without done an error is logged.
	Call(fn *lua.LFunction, done Done, args ...lua.LValue)
	// Call2 is Call with two arguments and no allocation for them (a
	// handler's (c, msg) on the per-message path).
	Call2(fn *lua.LFunction, done Done, a, b lua.LValue)
	// Call3 is Call2 with a third argument (a WebSocket handler's
	// (c, msg, kind)).
	Call3(fn *lua.LFunction, done Done, a, b, c lua.LValue)
	// CallNow calls fn(arg) on the main state, which must not yield, under
	// the budget, and returns its first result (codec.custom's decode).
	CallNow(fn *lua.LFunction, arg lua.LValue) (lua.LValue, error)
	// Post runs fn on this VM's goroutine. Safe for concurrent use.
	Post(fn func())
	// After runs fn on this VM's goroutine after d; stop cancels it and
	// reports whether it had not run. It does not keep the VM alive.
	After(d time.Duration, fn func()) (stop func() bool)
	// Done runs fn on this VM once ctx is done. A ctx with a deadline
	// keeps the VM alive until then.
	Done(ctx context.Context, fn func())
	// Hold keeps the script alive (Runtime.Wait does not return) until
	// release is called; release is idempotent. Both on the VM goroutine.
	Hold() (release func())

	// Engine returns the network engine, started on first use. Safe for
	// concurrent use.
	Engine() (*reactor.Engine, error)
	// Workers returns the pool of worker VMs, started on first use. Safe
	// for concurrent use.
	Workers() (Workers, error)
	// Logf prints "netplay: <message>" on the runtime's stderr; LogError
	// prints a script error and its traceback. Safe for concurrent use.
	Logf(format string, args ...any)
	LogError(e *ScriptError)
	// Print writes s to the runtime's stdout in one write. Safe for
	// concurrent use.
	Print(s string)

	// Local returns this VM's value for key, made by mk on first use
	// (caches a module keeps per VM).
	Local(key any, mk func() any) any
	// Shared returns the Runtime's value for key, made by mk on first use
	// (state every VM of one Runtime sees, such as shared.dict). Safe for
	// concurrent use.
	Shared(key any, mk func() any) any

	// Dir is the folder of the main script ("." before one runs).
	Dir() string
	// Resolve turns a file path a script names (a handler file; relative
	// to Dir) into the absolute path the sandbox lets it load, or an error
	// naming --unsafe when the path leaves the script's folder.
	Resolve(path string) (string, error)
	// Counters are this VM's message counters (stats()).
	Counters() *Counters
	// Conns is the part of the host only the conn binding uses.
	Conns() ConnHost
}

// ConnHost is what the conn binding (runtime/lib/net) needs beyond VM: the
// loop VMs, and the inline-VM lock that lets a loop run the script VM on
// its own goroutine (see docs/runtime.md).
type ConnHost interface {
	// LoopVM returns the VM of loop l, creating it on first use; called on
	// l's goroutine.
	LoopVM(l *reactor.Loop) VM
	// OwnLoop is the loop a loop VM runs on; nil for other VMs.
	OwnLoop() *reactor.Loop
	// Enter lets loop l run this (script) VM inline for a conn whose
	// queued events are counted by pending, and reports whether it may;
	// on true the caller runs its Lua and then calls Leave.
	Enter(l *reactor.Loop, pending *atomic.Int32) bool
	Leave()
	// RestartBudget gives the running callback a fresh budget (one per
	// message when one coroutine handles several).
	RestartBudget()
	// RunsOn reports whether the VM runs on loop l right now: a loop VM of
	// l always, the script VM while l holds it inline.
	RunsOn(l *reactor.Loop) bool
	// PostConn queues an event of one conn; it only has to stay behind that
	// conn's earlier events. Safe for concurrent use.
	PostConn(fn func())
}

// Waker resumes a coroutine suspended by VM.Await.
type Waker interface {
	// Wake resumes the coroutine with vals (first call only). Safe for
	// concurrent use.
	Wake(vals ...lua.LValue)
	// Waiting reports whether the coroutine still waits for this await
	// (it was not woken nor abandoned). VM goroutine only.
	Waiting() bool
}

// Done receives a coroutine's results, or its error.
type Done func(rets []lua.LValue, err *ScriptError)

// Counters are a VM's figures for stats(): messages handed to handlers
// and sent, pending Lua timers, and what peers sent that waits for this
// VM's handlers (Queued bytes and QueuedMsgs frames, counted from the read
// until on_message or c:receive takes them; QueuedPeak is the most Queued
// has been). The zero value is ready.
type Counters struct {
	MsgsIn, MsgsOut atomic.Uint64
	Timers          atomic.Int64

	Queued, QueuedMsgs, QueuedPeak atomic.Int64
}

// ScriptError is a Lua error: Msg is "file:line: message", Traceback the Lua
// stack at the error site ("stack traceback:\n\t…"), empty when unknown.
type ScriptError struct {
	Msg       string
	Traceback string
}

func (e *ScriptError) Error() string { return e.Msg }
