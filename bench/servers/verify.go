package servers

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"time"
)

// VerifyEcho dials addr, writes payload in writes of at most chunk bytes
// (chunk <= 0 means one write) while reading the echo back, and returns an
// error unless every byte comes back in order within timeout. Tests of the
// echo servers use it; it is safe for concurrent use.
func VerifyEcho(addr string, payload []byte, chunk int, timeout time.Duration) error {
	if chunk <= 0 {
		chunk = max(len(payload), 1)
	}
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return fmt.Errorf("verify echo: dial %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("verify echo: %s: %w", addr, err)
	}
	werr := make(chan error, 1)
	go func() {
		for p := payload; len(p) > 0; {
			n := min(chunk, len(p))
			if _, err := c.Write(p[:n]); err != nil {
				werr <- fmt.Errorf("verify echo: write %s: %w", addr, err)
				return
			}
			p = p[n:]
		}
		werr <- nil
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("verify echo: read %d bytes from %s: %w", len(payload), addr, err)
	}
	if err := <-werr; err != nil {
		return err
	}
	if i := firstDiff(got, payload); i >= 0 {
		return fmt.Errorf("verify echo: %s: byte %d differs: got %q, want %q", addr, i, got[i], payload[i])
	}
	return nil
}

// Payload returns n bytes of a repeating, position-revealing pattern.
func Payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte('a' + i%23)
	}
	return p
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
