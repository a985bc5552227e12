//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

func TestEchoRandomSplits(t *testing.T) {
	t.Run("direct writes", func(t *testing.T) { testEchoRandomSplits(t, ListenConfig{}) })
	t.Run("coalesced writes", func(t *testing.T) {
		testEchoRandomSplits(t, ListenConfig{ConnConfig: ConnConfig{CoalesceWrites: true}})
	})
}

func testEchoRandomSplits(t *testing.T, cfg ListenConfig) {
	e := newEngine(t, WithLoops(2))
	h := &echoHandler{}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, cfg)
	rng := rand.New(rand.NewSource(1))
	for _, tc := range []struct {
		name string
		size int
	}{
		{name: "1B", size: 1},
		{name: "100B", size: 100},
		{name: "4KiB", size: 4 << 10},
		{name: "64KiB+1", size: 64<<10 + 1},
		{name: "1MiB", size: 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialTCP(t, ln)
			payload := make([]byte, tc.size)
			rng.Read(payload)
			errc := make(chan error, 1)
			go func() {
				rest := payload
				for len(rest) > 0 {
					n := 1 + rng.Intn(min(len(rest), 70000))
					if _, err := c.Write(rest[:n]); err != nil {
						errc <- err
						return
					}
					rest = rest[n:]
				}
				errc <- nil
			}()
			got := make([]byte, tc.size)
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatal("echoed bytes differ")
			}
		})
	}
}

// coalesceProbe answers each read with "<" + bytes + ">" in two Writes and
// records how much was still queued right after them; "q" closes after the
// reply.
type coalesceProbe struct {
	BaseHandler
	queued chan int
}

func (h *coalesceProbe) OnTraffic(c *Conn) Action {
	p, _ := c.Next(-1)
	c.Write([]byte("<"))
	c.Writev([][]byte{p, []byte(">")})
	h.queued <- c.OutboundBuffered()
	if bytes.Equal(p, []byte("q")) {
		return Close
	}
	return None
}

func TestCoalesceWritesSendsAtRoundEnd(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        ListenConfig
		wantQueued int
	}{
		{"direct", ListenConfig{}, 0}, // the socket took both writes at once
		{"coalesced", ListenConfig{ConnConfig: ConnConfig{CoalesceWrites: true}}, 5}, // "<abc>" waits for the round's end
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, WithLoops(1))
			h := &coalesceProbe{queued: make(chan int, 2)}
			c := dialTCP(t, listen(t, e, "tcp://127.0.0.1:0", h, tc.cfg))
			if _, err := c.Write([]byte("abc")); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 5)
			if _, err := io.ReadFull(c, got); err != nil || string(got) != "<abc>" {
				t.Fatalf("reply %q, %v; want \"<abc>\"", got, err)
			}
			if q := <-h.queued; q != tc.wantQueued {
				t.Errorf("queued right after Write = %d, want %d", q, tc.wantQueued)
			}
			// Close returned in the same callback still sends the reply first.
			if _, err := c.Write([]byte("q")); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(c)
			if err != nil || string(rest) != "<q>" {
				t.Fatalf("after close: %q, %v; want \"<q>\" then EOF", rest, err)
			}
		})
	}
}
