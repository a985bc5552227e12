//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
)

func TestEchoRandomSplits(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := &echoHandler{}
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
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
