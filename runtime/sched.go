package runtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// sched runs Lua on one VM as coroutines. Every handler call, timer callback
// and top-level chunk is a coroutine taken from a pool of threads; a Go
// function that must wait (sleep, c:receive, pool.run…) calls await, which
// yields the coroutine and resumes it when the operation posts its result.
//
// All methods except post and wake functions run on the VM's goroutine (the
// script VM goroutine, or the event loop that owns a loop VM).
type sched struct {
	v          *vm
	L          *lua.LState
	budget     *budget
	trampoline *lua.LFunction
	dispatch   *lua.LFunction // runs a conn's on_message over its waiting messages
	doneMark   *lua.LUserData // yielded by the trampoline when a call finished
	awaitMark  *lua.LUserData // yielded by await

	post func(fn func()) // runs fn on the VM goroutine; safe for concurrent use
	// after runs fn on the VM goroutine after d; the result stops it. VM goroutine only.
	after func(d time.Duration, fn func()) (stop func() bool)

	free    []*coro
	argBuf  []lua.LValue
	cur     *coro
	running atomic.Pointer[coro]

	pending int                       // coroutines suspended in await
	onDone  map[*onDoneWatch]struct{} // ctx:on_done callbacks not yet run
	keep    int                       // servers, conns, timers keeping the VM alive
	timers  int                       // pending Lua timers
	logErr  func(e *ScriptError)

	pcallParent map[*lua.LState]*lua.LState // pcall coroutine -> the thread that called pcall

	spawned atomic.Uint64 // coroutine runs started, for stats
	threads atomic.Int64  // threads created
}

// coro is one pooled coroutine thread.
type coro struct {
	th      *lua.LState
	trace   string // traceback captured at the error site
	waiting bool
	gen     uint64        // bumped at each await; a stale wake is dropped
	limited bool          // subject to the per-callback budget
	run     atomic.Uint64 // bumped at each start; interrupt targets one run
	intr    atomic.Uint64 // the run to interrupt (sticky until that run ends)
	done    func(rets []lua.LValue, err *ScriptError)
}

const maxFreeCoros = 512

// schedChunk names the trampoline chunk; its frames are left out of tracebacks.
const schedChunk = "netplay.sched"

// trampolineSrc keeps a thread alive across calls: it runs fn(...), yields
// (done, results...) and waits for the next function.
const trampolineSrc = `local yield, done = coroutine.yield, ...
local function loop(fn, ...)
  return loop(yield(done, fn(...)))
end
return loop`

func newSched(v *vm, b *budget, post func(func())) *sched {
	s := &sched{v: v, L: v.L, budget: b, post: post}
	s.doneMark = v.L.NewUserData()
	s.awaitMark = v.L.NewUserData()
	fn, err := v.L.Load(strings.NewReader(trampolineSrc), schedChunk)
	if err != nil {
		panic(err)
	}
	v.L.Push(fn)
	v.L.Push(s.doneMark)
	v.L.Call(1, 1)
	s.trampoline = v.L.Get(-1).(*lua.LFunction)
	v.L.Pop(1)
	v.L.Push(v.L.NewFunctionFromProto(dispatchProto()))
	v.L.Push(v.L.NewFunction(nextMessage))
	v.L.Call(1, 1)
	s.dispatch = v.L.Get(-1).(*lua.LFunction)
	v.L.Pop(1)
	s.logErr = func(e *ScriptError) { v.rt.logError(e) }
	if co, ok := v.L.GetGlobal("coroutine").(*lua.LTable); ok {
		for _, name := range []string{"create", "wrap"} {
			if fn, ok := co.RawGetString(name).(*lua.LFunction); ok && fn.IsG {
				co.RawSetString(name, v.L.NewFunction(b.ownThreads(name, fn.GFunction)))
			}
		}
	}
	s.installPcall() // after the wrap: its coroutines come from coroutine.create
	return s
}

// get returns a ready thread, suspended in the trampoline's yield.
func (s *sched) get() *coro {
	if n := len(s.free); n > 0 {
		co := s.free[n-1]
		s.free = s.free[:n-1]
		return co
	}
	th, _ := s.L.NewThread()
	th.SetContext(s.budget)
	co := &coro{th: th}
	nop := s.L.NewFunction(func(*lua.LState) int { return 0 })
	if st, err, _ := s.L.Resume(th, s.trampoline, nop); st != lua.ResumeYield || err != nil {
		panic(fmt.Sprintf("netplay: priming a coroutine: %v", err))
	}
	th.Panic = func(L *lua.LState) {
		co.trace = traceback(L)
		panic(&lua.ApiError{Type: lua.ApiErrorRun, Object: L.Get(-1)})
	}
	s.threads.Add(1)
	return co
}

// spawn runs fn(args...) as a coroutine. done (may be nil) runs when the call
// finishes or fails; a failure without done is logged. limited subjects each
// resume to the budget. spawn called from inside a running coroutine is
// deferred to the queue (threads are never resumed from inside one another).
func (s *sched) spawn(fn *lua.LFunction, args []lua.LValue, limited bool, done func([]lua.LValue, *ScriptError)) *coro {
	if s.cur != nil {
		s.post(func() { s.spawn(fn, args, limited, done) })
		return nil
	}
	co := s.get()
	s.start(co, fn, args, limited, done)
	return co
}

// start runs fn(args...) on co, a thread from get.
func (s *sched) start(co *coro, fn *lua.LFunction, args []lua.LValue, limited bool, done func([]lua.LValue, *ScriptError)) {
	co.done, co.limited = done, limited
	co.trace = ""
	co.run.Add(1)
	s.spawned.Add(1)
	s.argBuf = append(append(s.argBuf[:0], fn), args...) // Resume copies them onto the thread
	s.resume(co, s.argBuf)
	clear(s.argBuf)
}

// call is spawn for handlers: limited by the budget, errors logged by done.
func (s *sched) call(fn *lua.LFunction, done func([]lua.LValue, *ScriptError), args ...lua.LValue) {
	s.spawn(fn, args, true, done)
}

// call2 is call with two arguments, without allocating them (a handler's
// (c, msg) on the per-message path).
func (s *sched) call2(fn *lua.LFunction, done func([]lua.LValue, *ScriptError), a, b lua.LValue) {
	if s.cur != nil {
		s.spawn(fn, []lua.LValue{a, b}, true, done)
		return
	}
	args := [2]lua.LValue{a, b}
	s.start(s.get(), fn, args[:], true, done)
}

func (s *sched) resume(co *coro, vals []lua.LValue) {
	s.cur = co
	s.running.Store(co)
	s.budget.begin(co.limited)
	if co.intr.Load() == co.run.Load() { // interrupted before (or between) its resumes
		s.budget.trip(ErrInterrupted)
	}
	st, err, rets := s.L.Resume(co.th, nil, vals...)
	s.budget.end()
	s.running.Store(nil)
	s.cur = nil
	switch {
	case err != nil:
		s.finish(co, nil, s.scriptError(co, err))
	case st == lua.ResumeYield && len(rets) > 0 && rets[0] == s.doneMark:
		s.finish(co, rets[1:], nil)
		if len(s.free) < maxFreeCoros {
			co.done = nil
			s.free = append(s.free, co)
		}
	case st == lua.ResumeYield && len(rets) > 0 && rets[0] == s.awaitMark:
		co.waiting = true
		s.pending++
	default:
		s.finish(co, nil, &ScriptError{Msg: "coroutine.yield called outside a coroutine created by the script"})
	}
}

func (s *sched) finish(co *coro, rets []lua.LValue, e *ScriptError) {
	done := co.done
	co.done = nil
	if done != nil {
		done(rets, e)
	} else if e != nil {
		s.logErr(e)
	}
}

func (s *sched) scriptError(co *coro, err error) *ScriptError {
	msg := err.Error()
	if ae, ok := err.(*lua.ApiError); ok {
		msg = lua.LVAsString(ae.Object)
		if msg == "" {
			msg = ae.Object.String()
		}
	}
	if s.budget.limit > 0 {
		msg = strings.Replace(msg, ErrBudget.Error(), fmt.Sprintf("%s (%v)", ErrBudget.Error(), s.budget.limit), 1)
	}
	return &ScriptError{Msg: msg, Traceback: co.trace}
}

// await suspends the running coroutine until the operation started by start
// calls wake; the values given to wake are what the Lua call returns. start
// runs at once, on the VM goroutine; wake is safe for concurrent use and only
// its first call counts. A Go function uses it as `return s.await(L, "sleep", …)`.
// Unless it always wakes with as many values as any caller can ask for (as
// ctx:wait does: one), it is exposed to Lua through exactResults.
func (s *sched) await(L *lua.LState, what string, start func(wake func(vals ...lua.LValue))) int {
	co := s.cur
	if co == nil || !s.reaches(L, co) {
		L.RaiseError("%s: cannot wait here (inside coroutine.create/wrap, or outside a netplay coroutine)", what)
		return 0
	}
	co.gen++
	gen := co.gen
	var once atomic.Bool
	start(func(vals ...lua.LValue) {
		if once.CompareAndSwap(false, true) {
			s.post(func() { s.wake(co, gen, vals) })
		}
	})
	return L.Yield(s.awaitMark)
}

// dispatchSrc runs on_message over a conn's waiting messages in one
// coroutine: next(c) hands out the next message (nil when none waits) and
// starts its budget. Resuming a coroutine per message costs more than the
// handler of a small protocol (about 150 ns of 300); the order and the
// one-at-a-time rule are the same either way, since a suspended handler
// suspends the loop that called it.
const dispatchSrc = `local next = ...
return function(fn, c)
  local m = next(c)
  while m ~= nil do
    fn(c, m)
    m = next(c)
  end
end`

// dispatchProto is dispatchSrc compiled once per process.
var dispatchProto = sync.OnceValue(func() *lua.FunctionProto { return compileSched(dispatchSrc) })

// exactResultsSrc calls a Go function that may yield from an argument
// list, where Lua takes as many results as come back.
const exactResultsSrc = `local fn = ...
local function pass(...) return ... end
return function(...) return pass(fn(...)) end`

// exactResultsProto is exactResultsSrc compiled once per process; each VM
// makes its functions from it.
var exactResultsProto = sync.OnceValue(func() *lua.FunctionProto { return compileSched(exactResultsSrc) })

// compileSched compiles one of the scheduler's own Lua chunks.
func compileSched(src string) *lua.FunctionProto {
	chunk, err := parse.Parse(strings.NewReader(src), schedChunk)
	if err != nil {
		panic(err)
	}
	proto, err := lua.Compile(chunk, schedChunk)
	if err != nil {
		panic(err)
	}
	return proto
}

// exactResults wraps fn, a Go function that may suspend through await, in a
// Lua function. gopher-lua resumes a yielded Go call by placing the resume
// values in the caller's result registers without padding them: a caller
// that asked for more values than came back (local msg, err = c:receive())
// would see stale registers. Called through the wrapper, fn always sits at
// a call site that takes all its results, and the wrapper's own return
// pads and truncates as Lua does.
func exactResults(L *lua.LState, fn lua.LGFunction) *lua.LFunction {
	L.Push(L.NewFunctionFromProto(exactResultsProto()))
	L.Push(L.NewFunction(fn))
	L.Call(1, 1)
	w := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return w
}

// wake resumes co if it still waits for the await numbered gen.
func (s *sched) wake(co *coro, gen uint64, vals []lua.LValue) {
	if !co.waiting || co.gen != gen {
		return
	}
	co.waiting = false
	s.pending--
	s.resume(co, vals)
}

// interrupt stops run number run of co: if it runs, its budget trips; if
// it waits, it is abandoned and finishes with ErrInterrupted. Safe for
// concurrent use.
func (s *sched) interrupt(co *coro, run uint64) {
	co.intr.Store(run)
	if s.running.Load() == co && co.run.Load() == run {
		s.budget.trip(ErrInterrupted)
	}
	s.post(func() {
		if co.run.Load() == run && co.waiting {
			co.waiting = false
			co.gen++
			s.pending--
			s.finish(co, nil, &ScriptError{Msg: ErrInterrupted.Error()})
		}
	})
}

// traceback renders L's Lua call stack, leaving out the scheduler's frames.
func traceback(L *lua.LState) string {
	var b strings.Builder
	b.WriteString("stack traceback:")
	for i := 0; ; i++ {
		dbg, ok := L.GetStack(i)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sln", dbg, lua.LNil); err != nil {
			continue
		}
		if dbg.Source == schedChunk {
			continue
		}
		b.WriteString("\n\t")
		switch {
		case dbg.What == "G":
			b.WriteString("[G]: in ")
		case dbg.CurrentLine > 0:
			fmt.Fprintf(&b, "%s:%d: in ", dbg.Source, dbg.CurrentLine)
		default:
			fmt.Fprintf(&b, "%s: in ", dbg.Source)
		}
		switch {
		case dbg.What == "main" || (dbg.What == "Lua" && dbg.LineDefined == 0):
			b.WriteString("main chunk")
		case dbg.Name != "":
			fmt.Fprintf(&b, "function '%s'", dbg.Name)
		default:
			fmt.Fprintf(&b, "function <%s:%d>", dbg.Source, dbg.LineDefined)
		}
	}
	return b.String()
}

// callDecode runs codec.custom's decode(buf) on the VM's main state (it may
// not yield) under the callback budget; its result is left on the stack.
func (s *sched) callDecode(fn *lua.LFunction, buf lua.LValue) error {
	L := s.L
	L.SetContext(s.budget)
	s.budget.begin(true)
	err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, buf)
	s.budget.end()
	L.RemoveContext()
	return err
}

// onDoneWatch is one ctx:on_done registration on this VM.
type onDoneWatch struct {
	ctx  context.Context
	held bool // the ctx has a deadline, so the watch keeps the VM alive until it fires
}

// watchDone registers fn to run on this VM once ctx is done. A ctx with a
// deadline keeps the VM alive until then (the wait is bounded); a cancel-only
// ctx does not, but a watch whose ctx is already done counts as due work (see
// onDoneDue), so a callback is never lost between cancel() and its post.
// VM goroutine only.
func (s *sched) watchDone(ctx context.Context, fn func()) {
	w := &onDoneWatch{ctx: ctx}
	if _, ok := ctx.Deadline(); ok {
		w.held = true
		s.keep++
	}
	if s.onDone == nil {
		s.onDone = map[*onDoneWatch]struct{}{}
	}
	s.onDone[w] = struct{}{}
	context.AfterFunc(ctx, func() {
		s.post(func() {
			delete(s.onDone, w)
			if w.held {
				s.keep--
			}
			fn()
		})
	})
}

// onDoneDue reports whether an on_done callback's ctx is done but the
// callback has not run yet (its post is on the way). VM goroutine only.
func (s *sched) onDoneDue() bool {
	for w := range s.onDone {
		if w.ctx.Err() != nil {
			return true
		}
	}
	return false
}
