//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import "testing"

// readInto feeds p to c the way Loop.read does: it aliases the loop buffer
// when c holds nothing, else it appends to c's own buffer, and keeps the
// leftover afterwards (a handler that consumes nothing until the frame is
// whole).
func readInto(c *Conn, p []byte) {
	if len(c.in) == 0 {
		c.in = p
	} else {
		c.appendIn(p)
	}
	c.keepLeftover()
}

// A frame that arrives in 64 KiB reads costs copies proportional to its
// size, not to its size squared: the conn's buffer grows geometrically
// past the 4 MiB pooled classes too.
func TestInboundGrowthCopiesLinearly(t *testing.T) {
	const frame = 24 << 20
	read := make([]byte, 64<<10)
	c := &Conn{cfg: &ConnConfig{}}
	copied, reallocs := 0, 0
	for got := 0; got < frame; got += len(read) {
		before, held := cap(c.inBuf), len(c.in)
		readInto(c, read)
		if cap(c.inBuf) != before {
			reallocs++
			copied += held // the bytes moved to the new buffer
		}
	}
	if len(c.in) != frame {
		t.Fatalf("buffered %d bytes, want %d", len(c.in), frame)
	}
	t.Logf("%d MiB in 64 KiB reads: %d reallocations, %d MiB copied, final capacity %d MiB",
		frame>>20, reallocs, copied>>20, cap(c.inBuf)>>20)
	if copied > 2*frame {
		t.Fatalf("copied %d MiB to buffer a %d MiB frame: growth is not geometric", copied>>20, frame>>20)
	}
	if cap(c.inBuf) > 2*frame {
		t.Fatalf("capacity %d MiB for a %d MiB frame: more than double", cap(c.inBuf)>>20, frame>>20)
	}
}

// Once the frame is consumed the conn holds no buffer; a small leftover
// after a large frame moves into a small buffer instead of pinning the
// large one.
func TestInboundBufferReleasedWhenDrained(t *testing.T) {
	read := make([]byte, 64<<10)
	c := &Conn{cfg: &ConnConfig{}}
	for got := 0; got < 16<<20; got += len(read) {
		readInto(c, read)
	}
	c.Discard(len(c.in) - 100) // the frame is handled, 100 bytes of the next remain
	c.keepLeftover()
	if len(c.in) != 100 {
		t.Fatalf("leftover %d bytes, want 100", len(c.in))
	}
	if cap(c.inBuf) > 64<<10 {
		t.Fatalf("a 100-byte leftover holds a %d KiB buffer", cap(c.inBuf)>>10)
	}
	c.Discard(-1)
	c.keepLeftover()
	if c.inBuf != nil || c.in != nil {
		t.Fatalf("drained conn still holds %d bytes of buffer", cap(c.inBuf))
	}
}
