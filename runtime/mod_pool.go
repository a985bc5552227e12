package runtime

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	"github.com/panjf2000/ants/v2"
	lua "github.com/yuin/gopher-lua"
)

// Pool limits.
const (
	defaultPoolWorkers = 16
	maxPoolWaiting     = 1024
	poolReleaseTimeout = 5 * time.Second
)

var poolModule = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "pool", Doc: "Runs functions on worker VMs (an ants/v2 pool) off the loops, for blocking or CPU-heavy work. Arguments and results are copied by value; the function travels as compiled code and must not use upvalues (pass what it needs as arguments).",
		Funcs: []host.FuncDoc{
			{Name: "run", Suspends: true, Signature: "pool.run([ctx,] fn, …) -> results…", Doc: "Runs fn(…) on a worker and suspends the caller until it returns; fn's error is raised in the caller. A ctx done before the start (or while running) fails the call with its error.",
				Example: "local a, b = pool.run(function(x, y) return x + y, x * y end, 3, 4)\nassert(a == 7 and b == 12)"},
			{Name: "submit", Signature: "pool.submit([ctx,] fn, …) -> ok, err", Doc: "Queues fn(…) and returns at once; errors are logged. Fails when 1024 jobs already wait.",
				Example: "assert(pool.submit(function(n) shared.dict('jobs'):incr('done', n) end, 1))"},
			{Name: "stats", Signature: "pool.stats() -> table", Doc: "workers, running, waiting, submitted, completed, failed, cancelled.",
				Example: "local s = pool.stats()\nassert(s.workers > 0)"},
		}},
	Kinds: host.Script | host.Loop,
	Open: func(hv host.VM) *lua.LTable {
		v, L := hv.(*vm), hv.L()
		raw := L.NewFunction(v.poolRun)
		t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"submit": v.poolSubmit,
			"stats":  v.poolStats,
		})
		// run raises the worker's error in the caller after the resume.
		fn, err := L.Load(strings.NewReader(`local raw = ...
return function(...)
  local r = {raw(...)}
  if not r[1] then error(r[2], 0) end
  return unpack(r, 2, r.n or table.maxn(r))
end`), "netplay.pool")
		if err != nil {
			panic(err)
		}
		L.Push(fn)
		L.Push(raw)
		L.Call(1, 1)
		t.RawSetString("run", L.Get(-1))
		L.Pop(1)
		return t
	},
}

// workerPool runs jobs on worker VMs through an ants pool of size workers;
// jobs beyond that wait in a FIFO bounded at maxPoolWaiting. Safe for
// concurrent use.
type workerPool struct {
	rt      *Runtime
	ants    *ants.Pool
	workers int

	mu     sync.Mutex
	queue  []*poolJob
	active int // goroutines of ours inside ants
	idle   []*vm

	running, submitted, completed, failed, cancelled atomic.Int64
}

// poolJob is one call. done runs on the worker goroutine.
type poolJob struct {
	ctx   context.Context
	proto *lua.FunctionProto
	args  []lua.LValue
	done  func(rets []lua.LValue, err error)
}

func newWorkerPool(rt *Runtime, workers int) (*workerPool, error) {
	p := &workerPool{rt: rt, workers: workers}
	a, err := ants.NewPool(workers, ants.WithPanicHandler(func(r any) {
		rt.logf("pool: recovered panic: %v", r)
	}))
	if err != nil {
		return nil, fmt.Errorf("netplay: pool: %w", err)
	}
	p.ants = a
	return p, nil
}

// submit queues j; it fails when the queue is full.
func (p *workerPool) submit(j *poolJob) error {
	p.mu.Lock()
	if p.active >= p.workers {
		if len(p.queue) >= maxPoolWaiting {
			p.mu.Unlock()
			return fmt.Errorf("pool: queue full (%d waiting)", maxPoolWaiting)
		}
		p.queue = append(p.queue, j)
		p.submitted.Add(1)
		p.mu.Unlock()
		return nil
	}
	p.active++
	p.submitted.Add(1)
	p.mu.Unlock()
	if err := p.ants.Submit(func() { p.work(j) }); err != nil {
		p.mu.Lock()
		p.active--
		p.mu.Unlock()
		p.submitted.Add(-1)
		return fmt.Errorf("pool: %w", err)
	}
	return nil
}

// work runs j and then whatever waits in the queue.
func (p *workerPool) work(j *poolJob) {
	for j != nil {
		p.run(j)
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.active--
			p.mu.Unlock()
			return
		}
		j = p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
	}
}

func (p *workerPool) getVM() *vm {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		v := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return v
	}
	p.mu.Unlock()
	v := newVM(p.rt, host.Worker)
	v.baseline = globalsOf(v.ls)
	return v
}

func (p *workerPool) putVM(v *vm) {
	p.mu.Lock()
	p.idle = append(p.idle, v)
	p.mu.Unlock()
}

// run executes one job on a worker VM.
func (p *workerPool) run(j *poolJob) {
	if err := j.ctx.Err(); err != nil {
		p.cancelled.Add(1)
		j.done(nil, err)
		return
	}
	p.running.Add(1)
	defer p.running.Add(-1)
	v := p.getVM()
	L := v.ls
	L.SetContext(j.ctx)
	L.SetTop(0)
	L.Push(L.NewFunctionFromProto(j.proto))
	for _, a := range j.args {
		L.Push(a)
	}
	err := L.PCall(len(j.args), lua.MultRet, nil)
	var rets []lua.LValue
	if err == nil {
		n := L.GetTop()
		vals := make([]lua.LValue, n)
		for i := 1; i <= n; i++ {
			vals[i-1] = L.Get(i)
		}
		rets, err = luautil.CopyValues(vals, "pool result")
	} else if ae, ok := err.(*lua.ApiError); ok {
		err = fmt.Errorf("%s", lua.LVAsString(ae.Object))
	}
	L.SetTop(0)
	L.RemoveContext()
	v.resetGlobals()
	p.putVM(v)
	if cerr := j.ctx.Err(); cerr != nil {
		p.cancelled.Add(1)
		j.done(nil, cerr) // a cancelled job's results are dropped
		return
	}
	if err != nil {
		p.failed.Add(1)
	} else {
		p.completed.Add(1)
	}
	j.done(rets, err)
}

// globalsOf snapshots L's global table.
func globalsOf(L *lua.LState) map[string]lua.LValue {
	g := map[string]lua.LValue{}
	L.G.Global.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok {
			g[string(ks)] = v
		}
	})
	return g
}

// resetGlobals puts a worker VM's globals back as they were when it was
// built, so a job never sees what an earlier job on the same worker set
// (which worker runs a job is chance). Fields set inside library tables
// (string.x = …) are not undone.
func (v *vm) resetGlobals() {
	g := v.ls.G.Global
	var changed []lua.LValue
	g.ForEach(func(k, val lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok || v.baseline[string(ks)] != val {
			changed = append(changed, k)
		}
	})
	for _, k := range changed {
		base := lua.LValue(lua.LNil)
		if ks, ok := k.(lua.LString); ok {
			if b, ok := v.baseline[string(ks)]; ok {
				base = b
			}
		}
		g.RawSet(k, base)
	}
	for k, val := range v.baseline { // globals a job deleted come back
		if g.RawGetString(k) == lua.LNil {
			g.RawSetString(k, val)
		}
	}
}

func (p *workerPool) release() {
	p.ants.ReleaseTimeout(poolReleaseTimeout)
}

// poolArgs reads [ctx,] fn, … into a job.
func (v *vm) poolArgs(L *lua.LState, what string) *poolJob {
	i := 1
	ctx := context.Background()
	if luactx.Is(L.Get(1)) {
		ctx = luactx.Check(L, 1)
		i = 2
	}
	fn := L.CheckFunction(i)
	if fn.IsG {
		L.ArgError(i, what+": a Lua function expected (Go builtins cannot be sent to a worker)")
	}
	if n := len(fn.Upvalues); n > 0 {
		names := fn.Proto.DbgUpvalues
		L.ArgError(i, fmt.Sprintf("%s: the function uses upvalues (%s); pass them as arguments or use globals", what, strings.Join(names, ", ")))
	}
	vals := make([]lua.LValue, 0, L.GetTop()-i)
	for k := i + 1; k <= L.GetTop(); k++ {
		vals = append(vals, L.Get(k))
	}
	args, err := luautil.CopyValues(vals, what+" argument")
	if err != nil {
		L.RaiseError("%v", err)
	}
	return &poolJob{ctx: ctx, proto: fn.Proto, args: args}
}

// poolRun implements the raw pool.run: it returns true, results… or false, err.
func (v *vm) poolRun(L *lua.LState) int {
	j := v.poolArgs(L, "pool.run")
	p, err := v.rt.pool()
	if err != nil {
		L.RaiseError("%v", err)
	}
	return v.s.await(L, "pool.run", func(w host.Waker) {
		j.done = func(rets []lua.LValue, err error) {
			if err != nil {
				w.Wake(lua.LFalse, lua.LString(err.Error()))
				return
			}
			w.Wake(append([]lua.LValue{lua.LTrue}, rets...)...)
		}
		if err := p.submit(j); err != nil {
			j.done(nil, err)
		}
	})
}

func (v *vm) poolSubmit(L *lua.LState) int {
	j := v.poolArgs(L, "pool.submit")
	p, err := v.rt.pool()
	if err != nil {
		L.RaiseError("%v", err)
	}
	rt := v.rt
	s := v.s
	s.keep++ // a submitted job keeps the process alive until it ends
	j.done = func(_ []lua.LValue, err error) {
		s.post(func() { s.keep-- })
		if err != nil && err != context.Canceled && err != context.DeadlineExceeded {
			rt.logError(&host.ScriptError{Msg: err.Error()})
		}
	}
	if err := p.submit(j); err != nil {
		s.keep--
		L.Push(lua.LFalse)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

func (v *vm) poolStats(L *lua.LState) int {
	p, err := v.rt.pool()
	if err != nil {
		L.RaiseError("%v", err)
	}
	L.Push(p.statsTable(L))
	return 1
}

func (p *workerPool) statsTable(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	p.mu.Lock()
	waiting := len(p.queue)
	p.mu.Unlock()
	t.RawSetString("workers", lua.LNumber(p.workers))
	t.RawSetString("running", lua.LNumber(p.running.Load()))
	t.RawSetString("waiting", lua.LNumber(waiting))
	t.RawSetString("submitted", lua.LNumber(p.submitted.Load()))
	t.RawSetString("completed", lua.LNumber(p.completed.Load()))
	t.RawSetString("failed", lua.LNumber(p.failed.Load()))
	t.RawSetString("cancelled", lua.LNumber(p.cancelled.Load()))
	return t
}
