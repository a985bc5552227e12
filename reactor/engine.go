//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
)

// Engine owns N event loops, an acceptor, the listeners and the conns. Its
// methods are safe for concurrent use unless stated otherwise.
type Engine struct {
	opts     Options
	loops    []*Loop
	acceptor *Loop // the main reactor: accepts for non-ReusePort stream listeners
	base     time.Time
	dialLB   balancer

	nextID   atomic.Uint64
	active   atomic.Int64 // open conns, counted from accept/dial start
	maxConns atomic.Int64 // engine-wide limit; see SetMaxConns
	accepted atomic.Uint64
	rejected atomic.Uint64

	mu        sync.Mutex
	listeners map[*Listener]struct{}

	stopping  atomic.Bool
	drainOnce sync.Once
	drained   chan struct{}
	stopOnce  sync.Once
	stopped   chan struct{}
	stopErr   error
}

// New starts an engine: Options.Loops event loops plus one acceptor, each a
// goroutine with its own epoll or kqueue instance.
func New(opts ...Option) (*Engine, error) {
	e := &Engine{
		base:      time.Now(),
		listeners: make(map[*Listener]struct{}),
		drained:   make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	for _, o := range opts {
		o(&e.opts)
	}
	e.opts.normalize()
	if e.opts.MaxConns > MaxConnsLimit() {
		return nil, fmt.Errorf("reactor: max_conns %d exceeds the file-descriptor limit (%d)", e.opts.MaxConns, MaxConnsLimit())
	}
	e.maxConns.Store(int64(e.opts.MaxConns))
	var pollers []*poll.Poller
	for i := 0; i <= e.opts.Loops; i++ {
		p, err := poll.Open()
		if err != nil {
			for _, p := range pollers {
				p.Close()
			}
			return nil, err
		}
		pollers = append(pollers, p)
	}
	for i := 0; i < e.opts.Loops; i++ {
		e.loops = append(e.loops, newLoop(e, i, pollers[i], e.opts.ReadBufferSize))
	}
	e.acceptor = newLoop(e, -1, pollers[e.opts.Loops], 0)
	e.dialLB = balancer{policy: RoundRobin, loops: e.loops}
	for _, l := range e.loops {
		go l.run()
	}
	go e.acceptor.run()
	return e, nil
}

// now is the engine's monotonic clock in nanoseconds.
func (e *Engine) now() int64 { return int64(time.Since(e.base)) }

func (e *Engine) logf(format string, args ...any) { e.opts.Logger.Printf(format, args...) }

// Loops returns the engine's event loops in index order.
func (e *Engine) Loops() []*Loop { return append([]*Loop(nil), e.loops...) }

// Stats returns a snapshot of the engine's counters.
func (e *Engine) Stats() EngineStats {
	s := EngineStats{
		Conns:    int(e.active.Load()),
		Accepted: e.accepted.Load(),
		Rejected: e.rejected.Load(),
	}
	for _, l := range e.loops {
		ls := LoopStats{
			Index: l.idx, Conns: l.NumConns(),
			BytesIn: l.bytesIn.Load(), BytesOut: l.bytesOut.Load(), Accepted: l.accepted.Load(),
		}
		s.BytesIn += ls.BytesIn
		s.BytesOut += ls.BytesOut
		s.Loops = append(s.Loops, ls)
	}
	return s
}

// Conns returns a snapshot of every open conn. It does not wait for the
// loops, so it may be called from a loop goroutine too.
func (e *Engine) Conns() []ConnInfo {
	var out []ConnInfo
	for _, l := range e.loops {
		out = l.snapshot(out, nil)
	}
	return out
}

// Conn returns the open conn with id, or nil: for a tool that acts on a
// conn a listing showed (the shell's :close ID). It searches every loop's
// conns, so it is not for a hot path. Safe for concurrent use.
func (e *Engine) Conn(id uint64) *Conn {
	for _, l := range e.loops {
		if c := l.lookup(id); c != nil {
			return c
		}
	}
	return nil
}

func (e *Engine) connClosed() {
	if e.active.Add(-1) <= 0 && e.stopping.Load() {
		e.drainOnce.Do(func() { close(e.drained) })
	}
}

// Stop shuts the engine down gracefully: listeners stop accepting, queued
// output is flushed, every conn is closed (OnClose gets ErrEngineStopped),
// every listener gets OnShutdown, and the loops exit. When ctx ends first,
// the remaining conns are closed at once and Stop returns ctx's error.
// Calls after the first wait for it and return its result. Stop must not
// be called from a loop goroutine.
func (e *Engine) Stop(ctx context.Context) error {
	e.stopOnce.Do(func() {
		e.stopErr = e.stop(ctx)
		close(e.stopped)
	})
	<-e.stopped
	return e.stopErr
}

func (e *Engine) stop(ctx context.Context) error {
	e.stopping.Store(true)
	if e.active.Load() <= 0 {
		e.drainOnce.Do(func() { close(e.drained) })
	}
	e.mu.Lock()
	lns := make([]*Listener, 0, len(e.listeners))
	for ln := range e.listeners {
		lns = append(lns, ln)
	}
	e.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(lns))
	for i, ln := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = ln.close(ctx, ErrEngineStopped)
		}()
	}
	wg.Wait()
	e.eachLoop(func(l *Loop) {
		l.forEachConn(func(c *Conn) { l.closeGracefully(c, ErrEngineStopped) })
	})
	var err error
	select {
	case <-e.drained:
	case <-ctx.Done():
		err = ctx.Err()
		e.eachLoop(func(l *Loop) {
			l.forEachConn(func(c *Conn) { l.closeNow(c, ErrEngineStopped) })
		})
	}
	e.acceptor.stop()
	for _, l := range e.loops {
		l.stop()
	}
	for _, le := range errs {
		if err == nil && le != nil && le != ErrClosed {
			err = le
		}
	}
	return err
}

// eachLoop runs fn on every loop goroutine (skipping exited loops) and
// waits for all of them.
func (e *Engine) eachLoop(fn func(l *Loop)) {
	var wg sync.WaitGroup
	for _, l := range e.loops {
		wg.Add(1)
		if l.do(func() { defer wg.Done(); fn(l) }) != nil {
			wg.Done()
		}
	}
	wg.Wait()
}
