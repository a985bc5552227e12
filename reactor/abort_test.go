//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

// abortHandler aborts every conn on its first bytes.
type abortHandler struct {
	BaseHandler
	errs chan error
}

var errAborted = errors.New("aborted by test")

func (h *abortHandler) OnTraffic(c *Conn) Action {
	c.Next(-1)
	c.Abort(errAborted)
	return None
}

func (h *abortHandler) OnClose(c *Conn, err error) { h.errs <- err }

func TestAbortResetsThePeer(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := &abortHandler{errs: make(chan error, 1)}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	c := dialTCP(t, ln)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	_, err := c.Read(make([]byte, 1))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("client read: %v, want ECONNRESET", err)
	}
	select {
	case err := <-h.errs:
		if err != errAborted {
			t.Fatalf("OnClose: %v, want %v", err, errAborted)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnClose did not run")
	}
}

// dialLoopRecorder notes the loop each opened conn landed on.
type dialLoopRecorder struct {
	BaseHandler
	loops chan *Loop
}

func (h *dialLoopRecorder) OnOpen(c *Conn) Action { h.loops <- c.Loop(); return None }

func TestDialConfigLoopPicksTheLoop(t *testing.T) {
	e := newEngine(t, WithLoops(3))
	ln := listen(t, e, "tcp://127.0.0.1:0", BaseHandler{}, ListenConfig{})
	want := e.Loops()[2]
	h := &dialLoopRecorder{loops: make(chan *Loop, 4)}
	for i := 0; i < 4; i++ {
		done := make(chan error, 1)
		e.DialAsync(ln.URL(), h, DialConfig{Loop: want}, func(c *Conn, err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := <-h.loops; got != want {
			t.Fatalf("dial %d joined loop %d, want %d", i, got.Index(), want.Index())
		}
	}
}
