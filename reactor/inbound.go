//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import "github.com/netplay-lab/netplay/reactor/internal/buffer"

// This file holds a conn's own inbound buffer: what is kept between
// reads when a handler leaves bytes unconsumed.

// appendIn appends fresh bytes after the conn's own leftover. A buffer
// that must grow at least doubles (the pooled classes below 4 MiB are
// powers of two already), so a frame read in 64 KiB pieces costs copies
// linear in its size instead of one copy of everything so far per read.
func (c *Conn) appendIn(p []byte) {
	need := len(c.in) + len(p)
	if c.inBuf != nil {
		if cap(c.in)-len(c.in) >= len(p) { // room after the unread bytes
			c.in = append(c.in, p...)
			return
		}
		if cap(c.inBuf) >= need && len(c.in) <= cap(c.inBuf)/2 { // room after compaction
			k := copy(c.inBuf[:cap(c.inBuf)], c.in)
			c.in = append(c.inBuf[:k], p...)
			return
		}
	}
	nb := buffer.Get(max(need, 2*cap(c.inBuf)))
	nb = append(append(nb, c.in...), p...)
	c.setInBuf(nb)
	c.in = nb
}

// setInBuf replaces the conn's inbound buffer, giving the old one back.
func (c *Conn) setInBuf(nb []byte) {
	if c.inBuf != nil {
		buffer.Put(c.inBuf)
	}
	c.inBuf = nb
}

// shrinkBelow is the buffer capacity past which a leftover that fills at
// most a quarter of it moves to a smaller buffer, so one large frame does
// not pin its buffer for the rest of the conn's life.
const shrinkBelow = 64 << 10

// keepLeftover runs after OnTraffic: unread bytes that still alias the
// loop buffer are copied into a pooled conn buffer; a drained conn buffer
// goes back to the pool, and a large one that holds only a small leftover
// is swapped for a small one.
func (c *Conn) keepLeftover() {
	if len(c.in) == 0 || c.err != nil {
		c.in = nil
		c.setInBuf(nil)
		return
	}
	if m := c.cfg.MaxInbound; m > 0 && len(c.in) > m {
		c.fail(&InboundFullError{Size: len(c.in), Max: m})
		c.in = nil
		c.setInBuf(nil)
		return
	}
	if c.inBuf == nil || (cap(c.inBuf) > shrinkBelow && len(c.in) <= cap(c.inBuf)/4) {
		nb := buffer.Get(len(c.in))
		nb = append(nb, c.in...)
		c.setInBuf(nb)
		c.in = nb
	}
}
