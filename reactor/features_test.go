//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
)

// frameHandler answers each 2-byte-length-prefixed frame with the frame
// reversed, consuming only whole frames so leftovers must be kept.
type frameHandler struct{ BaseHandler }

func (frameHandler) OnTraffic(c *Conn) Action {
	for {
		hdr, err := c.Peek(2)
		if err != nil {
			return None
		}
		n := int(binary.BigEndian.Uint16(hdr))
		frame, err := c.Next(2 + n)
		if err != nil {
			return None
		}
		out := make([]byte, 2+n)
		copy(out, frame[:2])
		for i := 0; i < n; i++ {
			out[2+i] = frame[2+n-1-i]
		}
		c.Write(out)
	}
}

func TestPartialFramesAreKeptAcrossReads(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	ln := listen(t, e, "tcp://127.0.0.1:0", frameHandler{}, ListenConfig{})
	c := dialTCP(t, ln)
	rng := rand.New(rand.NewSource(2))
	var stream, want bytes.Buffer
	for i := 0; i < 300; i++ {
		n := rng.Intn(40000)
		frame := make([]byte, n)
		rng.Read(frame)
		binary.Write(&stream, binary.BigEndian, uint16(n))
		stream.Write(frame)
		binary.Write(&want, binary.BigEndian, uint16(n))
		for j := n - 1; j >= 0; j-- {
			want.WriteByte(frame[j])
		}
	}
	go func() {
		b := stream.Bytes()
		for len(b) > 0 {
			k := min(len(b), 1+rng.Intn(9000))
			c.Write(b[:k])
			b = b[k:]
		}
	}()
	got := make([]byte, want.Len())
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("frames answered wrongly")
	}
}

// halfCloseHandler answers a peer's half-close with "bye" and closes.
type halfCloseHandler struct {
	echoHandler
	eofs atomic.Int64
}

func (h *halfCloseHandler) OnReadEOF(c *Conn) Action {
	h.eofs.Add(1)
	c.Write([]byte("bye"))
	return Close
}

func TestHalfClose(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := &halfCloseHandler{}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{HalfClose: true}})
	c := dialTCP(t, ln)
	c.Write([]byte("hi"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hibye" {
		t.Fatalf("got %q, %v; want the echo then bye after our half-close", got, err)
	}
	waitFor(t, "OnClose", 5*time.Second, func() bool { return h.closeCount() == 1 })
	if h.eofs.Load() != 1 {
		t.Fatalf("OnReadEOF ran %d times", h.eofs.Load())
	}
}

func TestPauseResumeAndWake(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	c := dialTCP(t, ln)
	sc := <-h.conns
	if err := sc.Pause(); err != nil {
		t.Fatal(err)
	}
	// Pause only sets a flag; the loop applies it when the conn turns
	// readable, before reading, so none of these bytes is read.
	c.Write([]byte("while paused"))
	type state struct {
		reading  bool
		buffered int
	}
	st := make(chan state, 1)
	waitFor(t, "the loop to stop reading the paused conn", 5*time.Second, func() bool {
		sc.Loop().Execute(func() { st <- state{sc.interest&poll.InRead != 0, sc.InboundBuffered()} })
		s := <-st
		if s.buffered != 0 {
			t.Fatalf("%d bytes read after Pause", s.buffered)
		}
		return !s.reading
	})
	buffered := make(chan int, 1)
	sc.Resume()
	waitFor(t, "bytes buffered after Resume", 5*time.Second, func() bool {
		sc.Loop().Execute(func() { buffered <- sc.InboundBuffered() })
		return <-buffered == len("while paused")
	})
	woke := make(chan string, 1)
	sc.Wake(func(c *Conn, err error) {
		b, _ := c.Next(-1)
		woke <- string(b)
	})
	if got := <-woke; got != "while paused" {
		t.Fatalf("after Wake, buffered %q", got)
	}
}

func TestReusePortSpreadsOverLoops(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := newLoopRecorder()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ReusePort: true})
	seen := map[int]bool{}
	for i := 0; i < 64 && len(seen) < 2; i++ {
		var c net.Conn
		waitFor(t, "a reuseport socket accepting", 5*time.Second, func() bool {
			var err error
			c, err = net.Dial("tcp", ln.Addr().String())
			return err == nil
		})
		t.Cleanup(func() { c.Close() })
		seen[recv(t, h.opened)] = true
	}
	if len(seen) != 2 {
		t.Fatalf("64 conns all landed on loops %v", seen)
	}
}

func TestMaxConnsRejects(t *testing.T) {
	for _, tc := range []struct {
		name       string
		engineMax  int
		listenMax  int
		wantActive int
	}{
		{name: "listener limit", engineMax: 100, listenMax: 3, wantActive: 3},
		{name: "engine limit", engineMax: 2, listenMax: 100, wantActive: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, WithLoops(2), WithMaxConns(tc.engineMax))
			h := newLoopRecorder()
			ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{MaxConns: tc.listenMax})
			var rejectedSeen int
			for i := 0; i < tc.wantActive+3; i++ {
				c := dialTCP(t, ln)
				if i < tc.wantActive {
					recv(t, h.opened)
					continue
				}
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := c.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					rejectedSeen++
				}
			}
			st := ln.Stats()
			if st.Active != tc.wantActive || st.Rejected != 3 || rejectedSeen != 3 {
				t.Fatalf("active %d rejected %d (clients saw %d closes), want %d and 3", st.Active, st.Rejected, rejectedSeen, tc.wantActive)
			}
			if es := e.Stats(); es.Rejected != 3 {
				t.Fatalf("engine rejected %d", es.Rejected)
			}
		})
	}
}

// bootHandler records OnBoot/OnShutdown and reads Conns from a loop.
type bootHandler struct {
	echoHandler
	boot, shutdown atomic.Int64
	conns          chan int
}

func (h *bootHandler) OnBoot(ln *Listener) Action { h.boot.Add(1); return None }
func (h *bootHandler) OnShutdown(ln *Listener)    { h.shutdown.Add(1) }
func (h *bootHandler) OnOpen(c *Conn) Action {
	h.conns <- len(c.Listener().Conns()) // must not deadlock on the loop
	return None
}

func TestListenerBootShutdownAndClose(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := &bootHandler{conns: make(chan int, 4)}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	c := dialTCP(t, ln)
	if n := recv(t, h.conns); n != 1 {
		t.Fatalf("Conns() inside OnOpen = %d entries", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ln.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("conn still open after Listener.Close")
	}
	if h.boot.Load() != 1 || h.shutdown.Load() != 1 || h.closeCount() != 1 {
		t.Fatalf("boot %d shutdown %d close %d, want 1 each", h.boot.Load(), h.shutdown.Load(), h.closeCount())
	}
	if !errors.Is(h.closed[0], ErrClosed) {
		t.Fatalf("OnClose err = %v, want ErrClosed", h.closed[0])
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("listener still accepts after Close")
	}
}

func TestSetMaxConns(t *testing.T) {
	e := newEngine(t, WithLoops(1), WithMaxConns(1))
	if got := e.MaxConns(); got != 1 {
		t.Fatalf("MaxConns() = %d, want 1", got)
	}
	h := newLoopRecorder()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	dialTCP(t, ln)
	recv(t, h.opened)
	rejected := dialTCP(t, ln) // past the limit: accepted and closed at once
	rejected.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := rejected.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("second conn under max_conns 1: read err %v, want a close", err)
	}
	if err := e.SetMaxConns(2); err != nil {
		t.Fatal(err)
	}
	dialTCP(t, ln)
	recv(t, h.opened) // the limit raised at run time lets it in
	if err := e.SetMaxConns(0); err == nil {
		t.Fatal("SetMaxConns(0) succeeded")
	}
	if err := e.SetMaxConns(MaxConnsLimit() + 1); err == nil || !strings.Contains(err.Error(), "RLIMIT_NOFILE") {
		t.Fatalf("SetMaxConns above the fd limit: err = %v", err)
	}
}
