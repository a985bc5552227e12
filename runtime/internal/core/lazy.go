package core

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// lazyParts are the heavy parts of a runtime, started on first use.
type lazyParts struct {
	mu      sync.Mutex
	pool    *workerPool
	engine  *reactor.Engine
	loopVMs map[*reactor.Loop]*vm
}

// Engine returns the network engine, starting it on first use (nil if it
// cannot start, for example on an unsupported OS). Safe for concurrent use.
func (rt *Runtime) Engine() *reactor.Engine {
	e, _ := rt.engine()
	return e
}

func (rt *Runtime) engine() (*reactor.Engine, error) {
	return startLazy(rt, &rt.lazy.engine, func() (*reactor.Engine, error) {
		return reactor.New(append([]reactor.Option{reactor.WithLogger(log.New(lockedWriter{rt}, "netplay: ", 0))}, rt.opts.Engine...)...)
	})
}

// startLazy returns *part, started by start on first use unless the
// runtime is stopped. Safe for concurrent use.
func startLazy[T any](rt *Runtime, part **T, start func() (*T, error)) (*T, error) {
	rt.lazy.mu.Lock()
	defer rt.lazy.mu.Unlock()
	if *part == nil {
		select {
		case <-rt.stopped:
			return nil, ErrStopped
		default:
		}
		p, err := start()
		if err != nil {
			return nil, err
		}
		*part = p
	}
	return *part, nil
}

// lockedWriter writes to Stderr under the output lock.
type lockedWriter struct{ rt *Runtime }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.rt.outMu.Lock()
	defer w.rt.outMu.Unlock()
	return w.rt.stderr.Write(p)
}

// pool returns the worker pool, starting it on first use. Safe for concurrent use.
func (rt *Runtime) pool() (*workerPool, error) {
	return startLazy(rt, &rt.lazy.pool, func() (*workerPool, error) { return newWorkerPool(rt, defaultPoolWorkers, rt.poolBudget()) })
}

// stopLazy stops whatever lazy parts were started: the engine gracefully
// (on_close handlers still run on the script VM), then the pool.
func (rt *Runtime) stopLazy(ctx context.Context) error {
	rt.lazy.mu.Lock()
	p, e := rt.lazy.pool, rt.lazy.engine
	rt.lazy.mu.Unlock()
	var err error
	if e != nil {
		err = e.Stop(ctx)
	}
	if p != nil {
		p.release()
	}
	return err
}

// StartedEngine returns the network engine if it has started, else nil;
// unlike Engine it never starts one (the shell's :conns only looks).
func (rt *Runtime) StartedEngine() *reactor.Engine {
	rt.lazy.mu.Lock()
	defer rt.lazy.mu.Unlock()
	return rt.lazy.engine
}

// poolBudget is the per-job budget of the worker pool; 0: none.
func (rt *Runtime) poolBudget() time.Duration {
	switch b := rt.opts.PoolBudget; {
	case b == 0:
		return DefaultPoolBudget
	case b < 0:
		return 0
	default:
		return b
	}
}
