//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
)

// blockLoop runs a func on l that blocks until the returned release is
// called, so tasks posted meanwhile pile up in the queue.
func blockLoop(t *testing.T, l *Loop) (release func()) {
	t.Helper()
	started, gate := make(chan struct{}), make(chan struct{})
	if err := l.Execute(func() { close(started); <-gate }); err != nil {
		t.Fatal(err)
	}
	<-started
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return release
}

// While the loop is busy, AsyncWrite data waits in its task queue; it
// counts against MaxOutbound at once, so a producer is refused at the cap
// instead of queueing without bound, and the conn closes with the error.
func TestAsyncWriteCountsAgainstMaxOutboundWhileQueued(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	const maxOut = 1 << 20
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxOutbound: maxOut}})
	dialTCP(t, ln) // never reads
	sc := <-h.conns
	release := blockLoop(t, sc.Loop())

	chunk := 64 << 10
	accepted, maxSeen := 0, 0
	var err error
	for i := 0; i < 1024; i++ { // 64 MiB offered
		if err = sc.AsyncWrite(make([]byte, chunk), nil); err != nil {
			break
		}
		accepted += chunk
		maxSeen = max(maxSeen, sc.OutboundBuffered())
	}
	var full *OutboundFullError
	if !errors.As(err, &full) || full.Max != maxOut {
		t.Fatalf("after %d KiB queued, AsyncWrite error = %v, want *OutboundFullError at %d", accepted>>10, err, maxOut)
	}
	if accepted > maxOut || maxSeen > maxOut {
		t.Fatalf("queued %d bytes (OutboundBuffered up to %d) past MaxOutbound %d", accepted, maxSeen, maxOut)
	}
	if maxSeen != accepted {
		t.Fatalf("OutboundBuffered = %d while %d bytes wait in the queue", maxSeen, accepted)
	}
	if err := sc.AsyncWrite([]byte("more"), nil); !errors.As(err, &full) && err != ErrClosed {
		t.Fatalf("AsyncWrite past the cap = %v", err)
	}
	release()
	waitFor(t, "OnClose with the outbound error", time.Second, func() bool { return len(h.errs()) == 1 })
	if err := h.errs()[0]; !errors.As(err, &full) {
		t.Fatalf("OnClose err = %v, want *OutboundFullError", err)
	}
}

// A producer goroutine that floods a peer that never reads is refused
// and the conn closed within a second of reaching MaxOutbound.
func TestAsyncWriteFloodClosesNonReaderWithinASecond(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	dialTCP(t, ln) // never reads
	sc := <-h.conns
	var reached time.Time
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err = sc.AsyncWrite(make([]byte, 16<<10), nil); err != nil {
			break
		}
		if reached.IsZero() && sc.OutboundBuffered() >= DefaultMaxOutbound-16<<10 {
			reached = time.Now()
		}
	}
	var full *OutboundFullError
	if !errors.As(err, &full) {
		t.Fatalf("flood ended with %v, want *OutboundFullError", err)
	}
	if reached.IsZero() {
		reached = time.Now()
	}
	waitFor(t, "OnClose of the flooded conn", time.Second, func() bool { return len(h.errs()) == 1 })
	t.Logf("closed %v after the outbound buffer reached the cap", time.Since(reached).Round(time.Millisecond))
}

// Each loop's task queue is bounded: past MaxTasks, Execute, AsyncWrite
// and Wake return ErrLoopBusy, while Close and the reactor's own work are
// still taken.
func TestTaskQueueIsBounded(t *testing.T) {
	e := newEngine(t, WithLoops(1), WithMaxTasks(8))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	dialTCP(t, ln)
	sc := <-h.conns
	l := sc.Loop()
	release := blockLoop(t, l)
	var ran atomic.Int64
	for i := 0; i < 8; i++ {
		if err := l.Execute(func() { ran.Add(1) }); err != nil {
			t.Fatalf("Execute %d: %v", i+1, err)
		}
	}
	if err := l.Execute(func() { ran.Add(1) }); err != ErrLoopBusy {
		t.Fatalf("9th Execute = %v, want ErrLoopBusy", err)
	}
	if err := sc.AsyncWrite([]byte("x"), nil); err != ErrLoopBusy {
		t.Fatalf("AsyncWrite on a full queue = %v, want ErrLoopBusy", err)
	}
	if n := sc.OutboundBuffered(); n != 0 {
		t.Fatalf("a refused AsyncWrite left %d bytes counted", n)
	}
	if err := sc.Wake(nil); err != ErrLoopBusy {
		t.Fatalf("Wake on a full queue = %v, want ErrLoopBusy", err)
	}
	if err := l.ExecuteUnbounded(func() { ran.Add(100) }); err != nil {
		t.Fatalf("ExecuteUnbounded on a full queue = %v, want it taken", err)
	}
	if err := sc.Close(); err != nil {
		t.Fatalf("Close on a full queue = %v, want it taken", err)
	}
	release()
	waitFor(t, "the queued funcs and the close", 5*time.Second, func() bool { return ran.Load() == 108 && len(h.errs()) == 1 })
	if err := l.Execute(func() {}); err != nil {
		t.Fatalf("Execute after the queue drained: %v", err)
	}
}

// Pause and Resume cost no task while the loop has not stopped reading,
// and any number of goroutines may call them at once.
func TestPauseResumeCheapAndConcurrent(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	client := dialTCP(t, ln)
	sc := <-h.conns
	l := sc.Loop()
	release := blockLoop(t, l)
	if allocs := testing.AllocsPerRun(1000, func() { sc.Pause(); sc.Resume() }); allocs != 0 {
		t.Fatalf("Pause+Resume allocate %.1f times", allocs)
	}
	l.mu.Lock()
	queued := len(l.tasks)
	l.mu.Unlock()
	if queued != 0 {
		t.Fatalf("1000 Pause/Resume pairs queued %d tasks", queued)
	}
	release()

	// Many goroutines toggle while the peer sends; after the last Resume
	// every byte arrives.
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				sc.Pause()
				sc.Resume()
			}
		}()
	}
	want := 0
	for i := 0; i < 50; i++ {
		n, err := client.Write(make([]byte, 1000))
		if err != nil {
			t.Fatal(err)
		}
		want += n
	}
	wg.Wait()
	got := make(chan int, 1)
	waitFor(t, "every byte read after the last Resume", 5*time.Second, func() bool {
		if err := l.Execute(func() { got <- int(sc.bytesIn.Load()) }); err != nil {
			t.Fatal(err)
		}
		return <-got == want
	})
	reading := make(chan bool, 1)
	l.Execute(func() { reading <- !sc.paused && sc.interest&poll.InRead != 0 })
	if !<-reading {
		t.Fatal("conn left paused after the last Resume")
	}
}

// A handler that never completes a frame cannot make the reactor hold more
// than MaxInbound bytes for it: the conn closes with *InboundFullError. A
// handler that consumes what it reads is not limited by it.
func TestMaxInboundClosesAFrameThatNeverEnds(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	const maxIn = 256 << 10
	h := newWriterHandler() // OnTraffic consumes nothing
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxInbound: maxIn}})
	c := dialTCP(t, ln)
	<-h.conns
	go c.Write(make([]byte, 1<<20))
	waitFor(t, "OnClose", 5*time.Second, func() bool { return len(h.errs()) == 1 })
	var full *InboundFullError
	if err := h.errs()[0]; !errors.As(err, &full) || full.Max != maxIn || full.Size <= maxIn || full.Size > maxIn+DefaultReadBufferSize {
		t.Fatalf("OnClose err = %v, want *InboundFullError just past %d", err, maxIn)
	}

	echo := listen(t, e, "tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{ConnConfig: ConnConfig{MaxInbound: maxIn}})
	ec := dialTCP(t, echo)
	const total = 4 << 20
	go ec.Write(make([]byte, total))
	if n, err := io.ReadFull(ec, make([]byte, total)); err != nil {
		t.Fatalf("echo of %d bytes through MaxInbound %d stopped after %d: %v", total, maxIn, n, err)
	}
}

// Loop-side writes count the AsyncWrite bytes still in flight: Write and
// AsyncWrite together cannot queue more than MaxOutbound.
func TestWriteCountsAsyncBytesInFlight(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	const maxOut = 1 << 20
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxOutbound: maxOut, CoalesceWrites: true}})
	dialTCP(t, ln) // never reads
	sc := <-h.conns
	release := blockLoop(t, sc.Loop())
	res := make(chan error, 1)
	// The func is queued before the AsyncWrite, so it runs while the
	// AsyncWrite's bytes are still in flight (counted, not yet queued).
	sc.Loop().Execute(func() { _, err := sc.Write(make([]byte, maxOut/2)); res <- err })
	if err := sc.AsyncWrite(make([]byte, maxOut*3/4), nil); err != nil {
		t.Fatal(err)
	}
	release()
	var full *OutboundFullError
	if err := <-res; !errors.As(err, &full) || full.Size != maxOut*3/4+maxOut/2 {
		t.Fatalf("Write with %d bytes in flight = %v, want *OutboundFullError of %d", maxOut*3/4, err, maxOut*3/4+maxOut/2)
	}
}
