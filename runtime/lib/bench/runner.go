package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/netplay-lab/netplay/reactor"
)

// maxLatency is the largest latency the histograms hold (ns); longer ones
// are recorded as this.
const maxLatency = int64(time.Hour)

// runner is one Run: the engine, its loops' tallies and the clock.
type runner struct {
	cfg   Config
	tgt   target
	pat   []byte
	eng   *reactor.Engine
	loops []*loopState
	dcfg  reactor.DialConfig
	base  time.Time

	started    atomic.Bool
	stopping   atomic.Bool
	startNs    int64 // set before started, read after
	endNs      atomic.Int64
	left       atomic.Int64 // tickets left when cfg.Requests > 0
	settled    atomic.Int64 // replies and failed requests, counted for cfg.Requests
	reconnects atomic.Int64
	redialErrs atomic.Int64 // reconnects that failed
	dialRes    chan error   // one result per first dial
	done       chan struct{}
	finishOnce sync.Once
}

// loopState is what one reactor loop owns: its clients and its tallies.
// Only the loop goroutine touches hist, kinds and clients; the atomics are
// for the progress line.
type loopState struct {
	r       *runner
	l       *reactor.Loop
	hist    *hdrhistogram.Histogram
	kinds   map[string]int64
	clients []*client
	ok      atomic.Int64
	errs    atomic.Int64

	// open loop: this loop's share of the rate and the tickets handed out
	rate     float64
	issued   int64
	rr       int
	dispatch func()
}

func newRunner(cfg Config, t target) (*runner, error) {
	eng, err := reactor.New(reactor.WithLoops(cfg.Loops), reactor.WithMaxConns(cfg.Conns+64))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	r := &runner{
		cfg: cfg, tgt: t, eng: eng, base: time.Now(),
		pat:     pattern(cfg.Size, cfg.Mode != "echo"),
		dcfg:    reactor.DialConfig{Timeout: cfg.Timeout},
		dialRes: make(chan error, cfg.Conns),
		done:    make(chan struct{}),
	}
	r.left.Store(cfg.Requests)
	for _, l := range eng.Loops() {
		ls := &loopState{r: r, l: l, kinds: map[string]int64{},
			hist: hdrhistogram.New(1, maxLatency, 3)}
		ls.dispatch = func() { ls.dispatchDue(r.now()) }
		r.loops = append(r.loops, ls)
	}
	return r, nil
}

// now is the run's monotonic clock in ns.
func (r *runner) now() int64 { return int64(time.Since(r.base)) }

// take hands out up to k request tickets: all k without a request limit.
func (r *runner) take(k int) int {
	if r.cfg.Requests == 0 {
		return k
	}
	for {
		cur := r.left.Load()
		if cur <= 0 {
			return 0
		}
		t := min(int64(k), cur)
		if r.left.CompareAndSwap(cur, cur-t) {
			return int(t)
		}
	}
}

// settle counts n requests as answered or failed; the last of
// cfg.Requests ends the run.
func (r *runner) settle(n int64) {
	if r.cfg.Requests > 0 && n > 0 && r.settled.Add(n) >= r.cfg.Requests {
		r.finish()
	}
}

// finish ends the measurement once: later replies are not counted.
func (r *runner) finish() {
	r.finishOnce.Do(func() {
		r.endNs.Store(r.now())
		r.stopping.Store(true)
		close(r.done)
	})
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	defer r.stopEngine()
	opened, dialErrs, err := r.dialAll(ctx)
	if opened == 0 {
		if err == nil {
			err = errors.New("no conn opened")
		}
		return nil, fmt.Errorf("bench: %s: %w (0 of %d conns opened)", r.cfg.URL, err, r.cfg.Conns)
	}
	r.start()
	var timeout <-chan time.Time
	if r.cfg.Duration > 0 {
		t := time.NewTimer(r.cfg.Duration)
		defer t.Stop()
		timeout = t.C
	}
	stopProgress := r.progress()
	select {
	case <-r.done:
	case <-timeout:
	case <-ctx.Done():
	}
	r.finish()
	stopProgress()
	st := r.eng.Stats()
	r.goodbye()
	r.stopEngine()
	res := r.result(st)
	if dialErrs > 0 {
		res.ByKind["dial"] += int64(dialErrs)
		res.Errors += int64(dialErrs)
	}
	return res, nil
}

// dialAll opens cfg.Conns conns and waits until each is ready or failed.
func (r *runner) dialAll(ctx context.Context) (opened, failed int, first error) {
	for i := 0; i < r.cfg.Conns; i++ {
		cl := &client{r: r, id: i, initial: true, ring: make([]stamp, r.cfg.Depth)}
		cl.p = r.newProto(i)
		r.eng.DialAsync(r.tgt.dial, cl, r.dcfg, cl.dialed)
	}
	deadline := time.NewTimer(2*r.cfg.Timeout + time.Second)
	defer deadline.Stop()
	for opened+failed < r.cfg.Conns {
		select {
		case err := <-r.dialRes:
			if err == nil {
				opened++
				continue
			}
			failed++
			if first == nil {
				first = err
			}
		case <-deadline.C:
			return opened, r.cfg.Conns - opened, errors.New("timed out opening conns")
		case <-ctx.Done():
			return opened, r.cfg.Conns - opened, ctx.Err()
		}
	}
	return opened, failed, first
}

// start begins sending on every ready conn.
func (r *runner) start() {
	r.startNs = r.now()
	if r.cfg.Rate > 0 {
		r.splitRate() // before started: a loop that sees started reads its rate
	}
	r.started.Store(true)
	every := min(max(r.cfg.Timeout/10, time.Millisecond), 250*time.Millisecond)
	for _, ls := range r.loops {
		ls.l.EveryFunc(every, ls.checkTimeouts)
	}
	if r.cfg.Rate > 0 {
		go r.pace()
		return
	}
	for _, ls := range r.loops {
		ls.l.Execute(func() {
			now := r.now()
			for _, cl := range ls.clients {
				if cl.ready {
					cl.fill(now)
				}
			}
		})
	}
}

// progress calls cfg.Progress about once a second until the returned
// func is called.
func (r *runner) progress() (stop func()) {
	if r.cfg.Progress == nil {
		return func() {}
	}
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		var last int64
		lastT := r.now()
		for {
			select {
			case <-quit:
				return
			case <-tk.C:
			}
			var ok, bad int64
			for _, ls := range r.loops {
				ok += ls.ok.Load()
				bad += ls.errs.Load()
			}
			now := r.now()
			r.cfg.Progress(Progress{
				Elapsed: time.Duration(now - r.startNs), Requests: ok, Errors: bad,
				RPS: float64(ok-last) / time.Duration(now-lastT).Seconds(),
			})
			last, lastT = ok, now
		}
	}()
	return func() { close(quit); <-exited }
}

// goodbye sends each ready conn its proto's closing words, if it has any
// (a ws close frame), before the engine closes the conns, so that servers
// see a clean close rather than a dropped conn.
func (r *runner) goodbye() {
	var wg sync.WaitGroup
	for _, ls := range r.loops {
		wg.Add(1)
		if ls.l.Execute(func() {
			defer wg.Done()
			for _, cl := range ls.clients {
				if g, ok := cl.p.(interface{ goodbye() []byte }); ok && cl.ready {
					cl.conn.Write(g.goodbye())
				}
			}
		}) != nil {
			wg.Done()
		}
	}
	wg.Wait()
}

// stopEngine closes every conn and stops the loops (once; later calls
// wait for the first).
func (r *runner) stopEngine() {
	r.stopping.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	r.eng.Stop(ctx)
}

// result merges the loops' tallies; the loops have exited.
func (r *runner) result(st reactor.EngineStats) *Result {
	c := r.cfg
	res := &Result{
		URL: c.URL, Mode: c.Mode, Conns: c.Conns, Size: c.Size, Depth: c.Depth, Rate: c.Rate,
		Duration: time.Duration(r.endNs.Load() - r.startNs), ByKind: map[string]int64{},
		BytesOut: st.BytesOut, BytesIn: st.BytesIn, Reconnects: r.reconnects.Load(),
		Hist: hdrhistogram.New(1, maxLatency, 3),
	}
	if c.Mode == "http" {
		res.Size = 0
	}
	if n := r.redialErrs.Load(); n > 0 {
		res.ByKind["dial"] = n
		res.Errors = n
	}
	for _, ls := range r.loops {
		res.Hist.Merge(ls.hist)
		for k, n := range ls.kinds {
			res.ByKind[k] += n
			res.Errors += n
		}
	}
	res.Requests = res.Hist.TotalCount()
	res.Seconds = res.Duration.Seconds()
	if res.Seconds > 0 {
		res.RPS = float64(res.Requests) / res.Seconds
	}
	res.Latency = summarize(res.Hist)
	res.Buckets = buckets(res.Hist, 10)
	return res
}

// summarize reads the percentiles off h (ns) in µs.
func summarize(h *hdrhistogram.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return Latency{
		Min: us(h.Min()), Mean: h.Mean() / 1e3, StdDev: h.StdDev() / 1e3,
		P50: us(h.ValueAtQuantile(50)), P90: us(h.ValueAtQuantile(90)),
		P99: us(h.ValueAtQuantile(99)), P999: us(h.ValueAtQuantile(99.9)),
		Max: us(h.Max()),
	}
}

// kindNames returns the error kinds of m sorted by count, most first.
func kindNames(m map[string]int64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if m[ks[i]] != m[ks[j]] {
			return m[ks[i]] > m[ks[j]]
		}
		return ks[i] < ks[j]
	})
	return ks
}
