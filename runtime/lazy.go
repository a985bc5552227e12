package runtime

import (
	"context"
	"sync"
)

// lazyParts are the heavy parts of a runtime, started on first use.
type lazyParts struct {
	mu   sync.Mutex
	pool *workerPool
}

// pool returns the worker pool, starting it on first use. Safe for concurrent use.
func (rt *Runtime) pool() (*workerPool, error) {
	rt.lazy.mu.Lock()
	defer rt.lazy.mu.Unlock()
	if rt.lazy.pool == nil {
		select {
		case <-rt.stopped:
			return nil, ErrStopped
		default:
		}
		p, err := newWorkerPool(rt, defaultPoolWorkers)
		if err != nil {
			return nil, err
		}
		rt.lazy.pool = p
	}
	return rt.lazy.pool, nil
}

// stopLazy stops whatever lazy parts were started.
func (rt *Runtime) stopLazy(ctx context.Context) error {
	rt.lazy.mu.Lock()
	p := rt.lazy.pool
	rt.lazy.mu.Unlock()
	if p != nil {
		p.release()
	}
	return nil
}
