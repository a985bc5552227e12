//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"context"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"
)

// waitFor is testkit.WaitFor with the reactor tests' argument order.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, timeout, what, cond)
}

func quietLogger() *log.Logger { return log.New(io.Discard, "", 0) }

// newEngine starts an engine that is stopped when the test ends.
func newEngine(t testing.TB, opts ...Option) *Engine {
	t.Helper()
	opts = append([]Option{WithLogger(log.New(io.Discard, "", 0))}, opts...)
	e, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return e
}

// echoHandler writes back everything it reads.
type echoHandler struct {
	BaseHandler
	mu     sync.Mutex
	closed []error
	opened int
}

func (h *echoHandler) OnOpen(c *Conn) Action {
	h.mu.Lock()
	h.opened++
	h.mu.Unlock()
	return None
}

func (h *echoHandler) OnTraffic(c *Conn) Action {
	b, _ := c.Next(-1)
	c.Write(b)
	return None
}

func (h *echoHandler) OnClose(c *Conn, err error) {
	h.mu.Lock()
	h.closed = append(h.closed, err)
	h.mu.Unlock()
}

func (h *echoHandler) closeCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.closed)
}

// listen starts a listener on url with h.
func listen(t testing.TB, e *Engine, url string, h Handler, cfg ListenConfig) *Listener {
	t.Helper()
	ln, err := e.Listen(url, h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// dialTCP connects a plain Go client with a deadline.
func dialTCP(t testing.TB, ln *Listener) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(ln.Addr().Network(), ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}
