//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"net"
	"testing"
	"time"
)

// wholeFrameHandler behaves like a decoder that needs the whole frame: it
// peeks everything, consumes nothing (Discard(0)) until want bytes are
// buffered, then takes them at once.
type wholeFrameHandler struct {
	BaseHandler
	want int
	got  chan []byte
}

func (h *wholeFrameHandler) OnTraffic(c *Conn) Action {
	buf, _ := c.Peek(0)
	if len(buf) < h.want {
		if n, _ := c.Discard(0); n != 0 {
			panic("Discard(0) dropped bytes")
		}
		return None
	}
	h.got <- bytes.Clone(buf[:h.want])
	c.Discard(h.want)
	return None
}

func TestFrameLargerThanReadBufferSurvivesDiscardZero(t *testing.T) {
	tests := []struct {
		name string
		size int
	}{
		{name: "just over the 64 KiB read buffer", size: 64<<10 + 1},
		{name: "1 MiB", size: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, WithLoops(1))
			h := &wholeFrameHandler{want: tt.size, got: make(chan []byte, 1)}
			ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			payload := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
			go c.Write(payload)
			select {
			case got := <-h.got:
				if !bytes.Equal(got, payload) {
					t.Fatalf("frame differs from what was sent (%d bytes)", len(got))
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("a %d-byte frame never became whole", tt.size)
			}
		})
	}
}

func TestDiscardCounts(t *testing.T) {
	c := &Conn{in: []byte("abcdef")}
	steps := []struct {
		n, want int
		left    string
	}{
		{n: 0, want: 0, left: "abcdef"},
		{n: 2, want: 2, left: "cdef"},
		{n: 10, want: 4, left: ""},
	}
	for _, s := range steps {
		if got, _ := c.Discard(s.n); got != s.want || string(c.in) != s.left {
			t.Fatalf("Discard(%d) = %d leaving %q, want %d leaving %q", s.n, got, c.in, s.want, s.left)
		}
	}
	c.in = []byte("xyz")
	if got, _ := c.Discard(-1); got != 3 || len(c.in) != 0 {
		t.Fatalf("Discard(-1) = %d leaving %q, want all 3 dropped", got, c.in)
	}
}
