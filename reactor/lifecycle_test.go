//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(ents)
}

func TestConnectResetCyclesLeaveNoLeaks(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := &echoHandler{}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{MaxConns: 4096})
	// Let the runtime settle its own goroutines and fds before the baseline.
	c0 := dialTCP(t, ln)
	c0.Write([]byte("x"))
	io.ReadFull(c0, make([]byte, 1))
	c0.Close()
	waitFor(t, "warm-up conn closed", 5*time.Second, func() bool { return e.Stats().Conns == 0 })
	baseFDs, baseG := openFDs(t), runtime.NumGoroutine()

	const workers = 8
	var wg sync.WaitGroup
	var failed atomic.Int64
	per := resetCycles / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
				if err != nil {
					failed.Add(1)
					continue
				}
				c.(*net.TCPConn).SetLinger(0) // close sends RST
				if i%2 == 0 {
					c.Write([]byte("ping"))
				}
				c.Close()
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d dials failed", n)
	}
	waitFor(t, "all server conns closed", 20*time.Second, func() bool {
		return e.Stats().Conns == 0 && ln.Stats().Active == 0
	})
	waitFor(t, "fd count back to baseline", 10*time.Second, func() bool { return openFDs(t) <= baseFDs })
	waitFor(t, "goroutine count back to baseline", 10*time.Second, func() bool { return runtime.NumGoroutine() <= baseG })
	st := ln.Stats()
	if st.Accepted+st.Rejected == 0 {
		t.Fatal("nothing was accepted")
	}
	t.Logf("%d cycles: accepted %d, rejected %d, OnClose %d", per*workers, st.Accepted, st.Rejected, h.closeCount())
	if uint64(h.closeCount()) != st.Accepted {
		t.Fatalf("OnClose ran %d times for %d accepted conns", h.closeCount(), st.Accepted)
	}
}

// panicHandler panics on "panic", echoes everything else.
type panicHandler struct {
	echoHandler
}

func (h *panicHandler) OnTraffic(c *Conn) Action {
	b, _ := c.Peek(-1)
	if bytes.Contains(b, []byte("panic")) {
		panic("boom from test")
	}
	return h.echoHandler.OnTraffic(c)
}

func TestPanicInCallbackClosesOnlyThatConn(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := &panicHandler{}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	good := dialTCP(t, ln)
	bad := dialTCP(t, ln)
	bad.Write([]byte("panic"))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatal("panicking conn still open")
	}
	waitFor(t, "OnClose for the panicking conn", 5*time.Second, func() bool { return h.closeCount() == 1 })
	h.mu.Lock()
	var pe *PanicError
	if !errors.As(h.closed[0], &pe) || pe.Callback != "OnTraffic" {
		t.Fatalf("OnClose err = %v, want *PanicError from OnTraffic", h.closed[0])
	}
	h.mu.Unlock()
	good.Write([]byte("still here"))
	got := make([]byte, 10)
	if _, err := io.ReadFull(good, got); err != nil || string(got) != "still here" {
		t.Fatalf("other conn: %q, %v", got, err)
	}
	third := dialTCP(t, ln)
	third.Write([]byte("new"))
	if _, err := io.ReadFull(third, got[:3]); err != nil {
		t.Fatalf("listener stopped accepting after a panic: %v", err)
	}
}

// writerHandler remembers the conn so a test can drive it from outside.
type writerHandler struct {
	BaseHandler
	conns    chan *Conn
	mu       sync.Mutex
	closeErr []error
	writable atomic.Int64
}

func newWriterHandler() *writerHandler { return &writerHandler{conns: make(chan *Conn, 16)} }

func (h *writerHandler) OnOpen(c *Conn) Action { h.conns <- c; return None }

func (h *writerHandler) OnWritable(c *Conn) Action { h.writable.Add(1); return None }

func (h *writerHandler) OnClose(c *Conn, err error) {
	h.mu.Lock()
	h.closeErr = append(h.closeErr, err)
	h.mu.Unlock()
}

func (h *writerHandler) errs() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.closeErr...)
}

func TestCloseFromAnotherGoroutineWhileWriting(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	client := dialTCP(t, ln)
	go io.Copy(io.Discard, client)
	sc := <-h.conns
	var queued, completed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				if err := sc.AsyncWrite(make([]byte, 512), func(*Conn, error) { completed.Add(1) }); err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("AsyncWrite: %v", err)
					}
					return
				}
				queued.Add(1)
			}
		}()
	}
	time.AfterFunc(2*time.Millisecond, func() { sc.Close() })
	wg.Wait()
	waitFor(t, "OnClose", 5*time.Second, func() bool { return len(h.errs()) == 1 })
	waitFor(t, "every completion callback", 5*time.Second, func() bool { return completed.Load() == queued.Load() })
	if err := sc.AsyncWrite([]byte("late"), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("AsyncWrite after close = %v, want ErrClosed", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.Stop(ctx) // a second OnClose would have run by the time Stop returns
	if n := len(h.errs()); n != 1 {
		t.Fatalf("OnClose ran %d times", n)
	}
}

func TestStopFlushesPendingData(t *testing.T) {
	e, err := New(WithLoops(2), WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	client := dialTCP(t, ln)
	sc := <-h.conns
	payload := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16) // 2 MiB, more than the socket buffers take
	done := make(chan error, 1)
	sc.Loop().Execute(func() { _, err := sc.Write(payload); done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	stopErr := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopErr <- e.Stop(ctx)
	}()
	got, err := io.ReadAll(client)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes, want %d", len(got), len(payload))
	}
	if err := <-stopErr; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	errs := h.errs()
	if len(errs) != 1 || !errors.Is(errs[0], ErrEngineStopped) {
		t.Fatalf("OnClose errs = %v, want [ErrEngineStopped]", errs)
	}
	if _, err := e.Listen("tcp://127.0.0.1:0", h, ListenConfig{}); !errors.Is(err, ErrEngineStopped) {
		t.Fatalf("Listen after Stop = %v", err)
	}
}

func TestStopForcedAtDeadline(t *testing.T) {
	e, err := New(WithLoops(1), WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxOutbound: 64 << 20}})
	dialTCP(t, ln) // never reads
	sc := <-h.conns
	done := make(chan error, 1)
	sc.Loop().Execute(func() { _, err := sc.Write(make([]byte, 32<<20)); done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want deadline exceeded", err)
	}
	if errs := h.errs(); len(errs) != 1 || !errors.Is(errs[0], ErrEngineStopped) {
		t.Fatalf("OnClose errs = %v", errs)
	}
}
