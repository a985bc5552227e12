package core

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
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
	logErr  func(e *host.ScriptError)

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
	done    func(rets []lua.LValue, err *host.ScriptError)
}

const maxFreeCoros = 512

// trampolineSrc keeps a thread alive across calls: it runs callback(...),
// yields (done, results...) and waits for the next function. A traceback
// names the function by the local it is called through, so that local is
// luautil.CallbackLocal, which the error's owner renames to the callback it
// ran (luautil.NameCallback: "in function 'on_message'") at no cost per call.
const trampolineSrc = `local yield, done = coroutine.yield, ...
local function loop(callback, ...)
  return loop(yield(done, callback(...)))
end
return loop`

func newSched(v *vm, b *budget, post func(func())) *sched {
	s := &sched{v: v, L: v.ls, budget: b, post: post}
	s.doneMark = v.ls.NewUserData()
	s.awaitMark = v.ls.NewUserData()
	fn, err := v.ls.Load(strings.NewReader(trampolineSrc), luautil.HiddenChunk)
	if err != nil {
		panic(err)
	}
	v.ls.Push(fn)
	v.ls.Push(s.doneMark)
	v.ls.Call(1, 1)
	s.trampoline = v.ls.Get(-1).(*lua.LFunction)
	v.ls.Pop(1)
	s.logErr = func(e *host.ScriptError) { v.rt.logError(e) }
	if co, ok := v.ls.GetGlobal("coroutine").(*lua.LTable); ok {
		for _, name := range []string{"create", "wrap"} {
			if fn, ok := co.RawGetString(name).(*lua.LFunction); ok && fn.IsG {
				co.RawSetString(name, v.ls.NewFunction(b.ownThreads(name, fn.GFunction)))
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
func (s *sched) spawn(fn *lua.LFunction, args []lua.LValue, limited bool, done func([]lua.LValue, *host.ScriptError)) *coro {
	if s.cur != nil {
		s.post(func() { s.spawn(fn, args, limited, done) })
		return nil
	}
	co := s.get()
	s.start(co, fn, args, limited, done)
	return co
}

// start runs fn(args...) on co, a thread from get.
func (s *sched) start(co *coro, fn *lua.LFunction, args []lua.LValue, limited bool, done func([]lua.LValue, *host.ScriptError)) {
	co.done, co.limited = done, limited
	co.trace = ""
	co.run.Add(1)
	s.spawned.Add(1)
	s.argBuf = append(append(s.argBuf[:0], fn), args...) // Resume copies them onto the thread
	s.resume(co, s.argBuf)
	clear(s.argBuf)
}

// call is spawn for handlers: limited by the budget, errors logged by done.
func (s *sched) call(fn *lua.LFunction, done func([]lua.LValue, *host.ScriptError), args ...lua.LValue) {
	s.spawn(fn, args, true, done)
}

// call2 is call with two arguments, without allocating them (a handler's
// (c, msg) on the per-message path).
func (s *sched) call2(fn *lua.LFunction, done func([]lua.LValue, *host.ScriptError), a, b lua.LValue) {
	if s.cur != nil {
		s.spawn(fn, []lua.LValue{a, b}, true, done)
		return
	}
	args := [2]lua.LValue{a, b}
	s.start(s.get(), fn, args[:], true, done)
}

// call3 is call2 with three arguments.
func (s *sched) call3(fn *lua.LFunction, done func([]lua.LValue, *host.ScriptError), a, b, c lua.LValue) {
	if s.cur != nil {
		s.spawn(fn, []lua.LValue{a, b, c}, true, done)
		return
	}
	args := [3]lua.LValue{a, b, c}
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
		s.finish(co, nil, &host.ScriptError{Msg: "coroutine.yield called outside a coroutine created by the script"})
	}
}

func (s *sched) finish(co *coro, rets []lua.LValue, e *host.ScriptError) {
	done := co.done
	co.done = nil
	if done != nil {
		done(rets, e)
	} else if e != nil {
		s.logErr(e)
	}
}

func (s *sched) scriptError(co *coro, err error) *host.ScriptError {
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
	return &host.ScriptError{Msg: msg, Traceback: co.trace}
}

// await suspends the running coroutine until the operation started by start
// wakes it (host.VM.Await): the values given to Wake are what the Lua call
// returns. start runs at once, on the VM goroutine; Wake is safe for
// concurrent use and only its first call counts.
func (s *sched) await(L *lua.LState, what string, start func(w host.Waker)) int {
	co := s.cur
	if co == nil || !s.reaches(L, co) {
		L.RaiseError("%s: cannot wait here (inside coroutine.create/wrap, or outside a netplay coroutine)", what)
		return 0
	}
	co.gen++
	start(&waker{s: s, co: co, gen: co.gen})
	return L.Yield(s.awaitMark)
}

// waker is the host.Waker of one await of one coroutine.
type waker struct {
	s    *sched
	co   *coro
	gen  uint64
	once atomic.Bool
}

func (w *waker) Wake(vals ...lua.LValue) {
	if w.once.CompareAndSwap(false, true) {
		w.s.post(func() { w.s.wake(w.co, w.gen, vals) })
	}
}

func (w *waker) Waiting() bool { return w.co.waiting && w.co.gen == w.gen }

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
			s.finish(co, nil, &host.ScriptError{Msg: ErrInterrupted.Error()})
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
		if dbg.Source == luautil.HiddenChunk {
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
