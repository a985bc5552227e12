//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// handoverHandler answers "leave" with LeaveListenerCap and "ok", and
// echoes anything else; it hands each opened conn to conns.
type handoverHandler struct {
	BaseHandler
	conns chan *Conn
}

func (h *handoverHandler) OnOpen(c *Conn) Action { h.conns <- c; return None }

func (h *handoverHandler) OnTraffic(c *Conn) Action {
	b, _ := c.Next(-1)
	if string(b) == "leave" {
		c.LeaveListenerCap()
		c.LeaveListenerCap() // twice counts once
		b = []byte("ok")
	}
	c.Write(b)
	return None
}

// roundTrip writes msg and reads len(want) bytes back.
func roundTrip(t *testing.T, c net.Conn, msg, want string) {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != want {
		t.Fatalf("%q: got %q, %v; want %q", msg, got, err, want)
	}
}

// rejected reports whether the listener closed c at once.
func rejected(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

func TestLeaveListenerCap(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := &handoverHandler{conns: make(chan *Conn, 8)}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{MaxConns: 2})
	c1 := dialTCP(t, ln)
	<-h.conns
	roundTrip(t, c1, "leave", "ok") // c1 no longer counts against MaxConns 2
	c2 := dialTCP(t, ln)
	roundTrip(t, c2, "a", "a")
	c3 := dialTCP(t, ln)
	roundTrip(t, c3, "b", "b")
	if st := ln.Stats(); st.Active != 3 {
		t.Fatalf("active %d, want 3 (c1 still shows)", st.Active)
	}
	if c4 := dialTCP(t, ln); !rejected(t, c4) {
		t.Fatal("a third counted conn was accepted past MaxConns 2")
	}
	c1.Close() // its slot was given up already: closing it frees none
	waitFor(t, "c1's close", 5*time.Second, func() bool { return ln.Stats().Active == 2 })
	if c5 := dialTCP(t, ln); !rejected(t, c5) {
		t.Fatal("closing a conn that left the cap freed a slot twice")
	}
	c2.Close()
	waitFor(t, "c2's close", 5*time.Second, func() bool { return ln.Stats().Active == 1 })
	c6 := dialTCP(t, ln)
	roundTrip(t, c6, "c", "c")
}

func TestSetMaxOutbound(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := &handoverHandler{conns: make(chan *Conn, 2)}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{MaxOutbound: 1 << 20}})
	dialTCP(t, ln) // never reads: everything queues
	c := <-h.conns
	c.SetMaxOutbound(70000)
	err := c.AsyncWrite(make([]byte, 100000), nil)
	var full *OutboundFullError
	if !errors.As(err, &full) || full.Max != 70000 {
		t.Fatalf("AsyncWrite of 100000 bytes past a cap of 70000: %v", err)
	}

	dialTCP(t, ln)
	c = <-h.conns
	c.SetMaxOutbound(200000) // above the ConnConfig's: the conn's own cap wins
	c.SetMaxOutbound(0)      // restores the ConnConfig's 1 MiB
	if err := c.AsyncWrite(make([]byte, 100000), nil); err != nil {
		t.Fatalf("100000 bytes under the restored 1 MiB cap: %v", err)
	}
	// one byte past the cap even when the 100000 above already reached the
	// socket's buffers (a write's size alone counts then)
	if err := c.AsyncWrite(make([]byte, 1<<20+1), nil); !errors.As(err, &full) || full.Max != 1<<20 {
		t.Fatalf("past the restored cap: %v", err)
	}
}
