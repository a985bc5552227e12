package core

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/panjf2000/ants/v2"
	lua "github.com/yuin/gopher-lua"
)

// Pool limits.
const (
	defaultPoolWorkers = 16
	maxPoolWaiting     = 1024
	poolReleaseTimeout = 5 * time.Second
	// DefaultPoolBudget bounds one pool job when Config.PoolBudget is 0:
	// long enough for real work, short enough that jobs that never return
	// do not hold every worker for good.
	DefaultPoolBudget = 30 * time.Second
)

// causeCtx is a context whose Err is its cause: gopher-lua raises
// ctx.Err() when a job's context ends, and "context canceled" would not
// say that the budget or the memory cap stopped it.
type causeCtx struct{ context.Context }

func (c causeCtx) Err() error {
	if c.Context.Err() == nil {
		return nil
	}
	return context.Cause(c.Context)
}

// waitingJob is a job in the FIFO; stop ends the watch on its ctx.
type waitingJob struct {
	j    *host.Job
	stop func() bool
}

// workerPool runs jobs on worker VMs through an ants pool of size workers;
// jobs beyond that wait in a FIFO bounded at maxPoolWaiting. Safe for
// concurrent use.
type workerPool struct {
	rt      *Runtime
	ants    *ants.Pool
	workers int

	budget time.Duration // per job; 0: none

	mu      sync.Mutex
	queue   []waitingJob
	active  int // goroutines of ours inside ants
	idle    []*vm
	cancels map[*context.CancelCauseFunc]struct{} // of the running jobs

	running, submitted, completed, failed, cancelled atomic.Int64
}

func newWorkerPool(rt *Runtime, workers int, budget time.Duration) (*workerPool, error) {
	p := &workerPool{rt: rt, workers: workers, budget: budget}
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
func (p *workerPool) Submit(j *host.Job) error {
	p.mu.Lock()
	if p.active >= p.workers {
		if len(p.queue) >= maxPoolWaiting {
			p.mu.Unlock()
			return fmt.Errorf("pool: queue full (%d waiting)", maxPoolWaiting)
		}
		// A job whose ctx ends while it waits fails at once instead of
		// when a worker gets to it.
		wj := waitingJob{j: j}
		wj.stop = context.AfterFunc(j.Ctx, func() { p.dropWaiting(j) })
		p.queue = append(p.queue, wj)
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
func (p *workerPool) work(j *host.Job) {
	for j != nil {
		p.run(j)
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.active--
			p.mu.Unlock()
			return
		}
		wj := p.queue[0]
		p.queue[0] = waitingJob{}
		p.queue = p.queue[1:]
		p.mu.Unlock()
		wj.stop() // run checks the ctx again: the job fails once either way
		j = wj.j
	}
}

// dropWaiting fails a waiting job whose ctx ended, if it still waits.
func (p *workerPool) dropWaiting(j *host.Job) {
	p.mu.Lock()
	found := false
	for i, wj := range p.queue {
		if wj.j == j {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			found = true
			break
		}
	}
	p.mu.Unlock()
	if found {
		p.cancelled.Add(1)
		j.Done(nil, j.Ctx.Err())
	}
}

// cancelRunning ends the context of every running job with err.
func (p *workerPool) cancelRunning(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.cancels {
		(*c)(err)
	}
}

// jobContext is the context a job runs with: the caller's, ended by the
// pool budget and by cancelRunning; done releases it.
func (p *workerPool) jobContext(parent context.Context) (ctx context.Context, done func()) {
	c, cancel := context.WithCancelCause(parent)
	ctx = c
	stopTimer := func() bool { return false }
	if p.budget > 0 {
		budgetErr := fmt.Errorf("pool: job exceeded its budget (%v)", p.budget)
		stopTimer = time.AfterFunc(p.budget, func() { cancel(budgetErr) }).Stop
	}
	p.mu.Lock()
	if p.cancels == nil {
		p.cancels = map[*context.CancelCauseFunc]struct{}{}
	}
	p.cancels[&cancel] = struct{}{}
	p.mu.Unlock()
	return causeCtx{ctx}, func() {
		stopTimer()
		p.mu.Lock()
		delete(p.cancels, &cancel)
		p.mu.Unlock()
		cancel(nil)
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
func (p *workerPool) run(j *host.Job) {
	if err := j.Ctx.Err(); err != nil {
		p.cancelled.Add(1)
		j.Done(nil, err)
		return
	}
	p.running.Add(1)
	defer p.running.Add(-1)
	v := p.getVM()
	L := v.ls
	ctx, done := p.jobContext(j.Ctx)
	defer done()
	L.SetContext(ctx)
	L.SetTop(0)
	L.Push(L.NewFunctionFromProto(j.Proto))
	for _, a := range j.Args {
		L.Push(a)
	}
	err := L.PCall(len(j.Args), lua.MultRet, nil)
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
	if cerr := j.Ctx.Err(); cerr != nil {
		p.cancelled.Add(1)
		j.Done(nil, cerr) // a cancelled job's results are dropped
		return
	}
	if err != nil {
		p.failed.Add(1)
	} else {
		p.completed.Add(1)
	}
	j.Done(rets, err)
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

// Stats returns the pool's counters.
func (p *workerPool) Stats() host.WorkerStats {
	p.mu.Lock()
	waiting := len(p.queue)
	p.mu.Unlock()
	return host.WorkerStats{Workers: p.workers, Running: p.running.Load(), Waiting: waiting,
		Submitted: p.submitted.Load(), Completed: p.completed.Load(), Failed: p.failed.Load(), Cancelled: p.cancelled.Load()}
}
