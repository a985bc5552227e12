//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"os"

	"github.com/netplay-lab/netplay/reactor/internal/buffer"
	"github.com/netplay-lab/netplay/reactor/internal/poll"
	"github.com/netplay-lab/netplay/reactor/internal/sock"
	"golang.org/x/sys/unix"
)

// This file holds the loop-side I/O of conns: reading into the shared
// buffer, keeping leftovers, queuing and flushing output, and closing.

func (c *Conn) addrString() string {
	if c.remote == nil {
		return ""
	}
	return c.remote.String()
}

func (c *Conn) opError(op string, err error) *OpError {
	return &OpError{Op: op, Addr: c.addrString(), Err: os.NewSyscallError(op, err)}
}

// fail records a fatal error found while a callback may be running; the
// conn closes with it after the callback (or at the end of the round).
func (c *Conn) fail(err error) {
	if c.err == nil {
		c.err = err
	}
	c.loop.markDirty(c)
}

func (c *Conn) countOut(n int) {
	c.bytesOut.Add(uint64(n))
	c.loop.bytesOut.Add(uint64(n))
	if c.ln != nil {
		c.ln.bytesOut.Add(uint64(n))
	}
}

func (c *Conn) countIn(n int) {
	c.bytesIn.Add(uint64(n))
	c.loop.bytesIn.Add(uint64(n))
	if c.ln != nil {
		c.ln.bytesIn.Add(uint64(n))
	}
}

// writeDirect tries one write(2) and returns how much the kernel took.
func (c *Conn) writeDirect(p []byte) int {
	for {
		n, err := sock.Write(c.fd, p)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if err == unix.EAGAIN {
				c.wblocked = true
			} else {
				c.fail(c.opError("write", err))
			}
			return 0
		}
		c.countOut(n)
		if n < len(p) {
			c.wblocked = true
		}
		return n
	}
}

// writevDirect tries one writev(2) and returns how much the kernel took.
func (c *Conn) writevDirect(bs [][]byte) int {
	l := c.loop
	for {
		n, err := sock.Writev(c.fd, l.iov, bs)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if err == unix.EAGAIN {
				c.wblocked = true
			} else {
				c.fail(c.opError("writev", err))
			}
			return 0
		}
		c.countOut(n)
		return n
	}
}

// enqueue adds p to the outbound queue, copying it into pooled chunks when
// copyIt is set (the caller keeps p) and keeping p itself otherwise (the
// reactor owns it).
func (c *Conn) enqueue(p []byte, copyIt bool) error {
	if len(p) == 0 {
		return nil
	}
	size := c.outLen + len(p)
	inFlight := int(c.asyncPending.Load()) // AsyncWrite bytes not taken up yet count too
	if limit := c.maxOutbound(); size+inFlight > limit {
		err := &OutboundFullError{Size: size + inFlight, Max: limit}
		c.fail(err)
		return err
	}
	if !copyIt {
		c.out = append(c.out, chunk{b: p})
	} else if k := len(c.out); k > 0 && c.out[k-1].pooled && cap(c.out[k-1].b)-len(c.out[k-1].b) >= len(p) {
		c.out[k-1].b = append(c.out[k-1].b, p...)
	} else {
		b := buffer.Get(max(len(p), 4096))
		c.out = append(c.out, chunk{b: append(b, p...), pooled: true})
	}
	c.outLen = size
	c.outAtom.Store(int64(size))
	if size+inFlight >= c.cfg.HighWater {
		c.highArmed = true
	}
	c.loop.markDirty(c)
	return nil
}

// queueAsync handles an AsyncWrite(v) on the loop.
func (c *Conn) queueAsync(p []byte, bufs [][]byte) error {
	if c.err != nil || c.closing || c.shutWR {
		return ErrClosed
	}
	if c.udp {
		if bufs != nil {
			p = joinBufs(bufs)
		}
		_, err := c.sendDatagram(p)
		return err
	}
	if bufs == nil {
		return c.enqueue(p, false)
	}
	for _, b := range bufs {
		if err := c.enqueue(b, false); err != nil {
			return err
		}
	}
	return nil
}

// sendDatagram sends p as one datagram; UDP errors do not close the conn.
func (c *Conn) sendDatagram(p []byte) (int, error) {
	var err error
	if c.udpDatagram {
		if c.udpSock.closed {
			return 0, ErrClosed
		}
		err = unix.Sendto(c.udpSock.fd, p, 0, c.udpSA)
	} else {
		_, err = unix.Write(c.fd, p)
	}
	if err != nil {
		return 0, c.opError("sendto", err)
	}
	c.countOut(len(p))
	return len(p), nil
}

// consume drops n written bytes from the front of the outbound queue.
func (c *Conn) consume(n int) {
	c.outLen -= n
	c.outAtom.Store(int64(c.outLen))
	i := 0
	for ; i < len(c.out) && n > 0; i++ {
		rest := len(c.out[i].b) - c.outHead
		if n < rest {
			c.outHead += n
			break
		}
		n -= rest
		c.outHead = 0
		if c.out[i].pooled {
			buffer.Put(c.out[i].b)
		}
		c.out[i] = chunk{}
	}
	if i > 0 {
		k := copy(c.out, c.out[i:])
		clear(c.out[k:])
		c.out = c.out[:k]
	}
	if len(c.out) == 0 && cap(c.out) > 64 {
		c.out = nil
	}
}

// flush writes queued output with writev until the socket is full.
func (l *Loop) flush(c *Conn) {
	for len(c.out) > 0 && !c.wblocked {
		bufs := l.wbufs[:0]
		total := 0
		for i := range c.out {
			if len(bufs) == maxIovecs {
				break
			}
			b := c.out[i].b
			if i == 0 {
				b = b[c.outHead:]
			}
			bufs = append(bufs, b)
			total += len(b)
		}
		n, err := sock.Writev(c.fd, l.iov, bufs)
		clear(bufs)
		l.wbufs = bufs[:0]
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				c.wblocked = true
				break
			}
			l.closeNow(c, c.opError("writev", err))
			return
		}
		c.countOut(n)
		c.consume(n)
		if n < total {
			c.wblocked = true
		}
	}
}

// settle brings a conn to rest at the end of a round: flush, pending
// close, half-close, and poller interest.
func (l *Loop) settle(c *Conn) {
	if c.closed {
		return
	}
	if c.err != nil {
		l.closeNow(c, c.err)
		return
	}
	if len(c.out) > 0 {
		l.flush(c)
		if c.closed {
			return
		}
	}
	if c.highArmed && c.outLen+int(c.asyncPending.Load()) < c.cfg.LowWater {
		c.highArmed = false
		l.afterCallback(c, l.callWritable(c))
		if c.closed {
			return
		}
	}
	if len(c.out) == 0 {
		if c.closing {
			l.closeNow(c, c.closeErr)
			return
		}
		if c.shutWR && !c.wroteShut {
			c.wroteShut = true
			if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
				l.closeNow(c, c.opError("shutdown", err))
				return
			}
		}
	}
	l.updateInterest(c)
}

func (l *Loop) updateInterest(c *Conn) {
	var in poll.Interest
	if !c.paused && !c.readEOF && !c.closing {
		in |= poll.InRead
	}
	if len(c.out) > 0 {
		in |= poll.InWrite
	}
	if in == c.interest {
		return
	}
	if err := l.p.Mod(c.fd, c.interest, in); err != nil {
		l.closeNow(c, &OpError{Op: "poll", Addr: c.addrString(), Err: err})
		return
	}
	c.interest = in
}

// connEvent handles readiness of a conn's fd.
func (l *Loop) connEvent(c *Conn, ev poll.Event) {
	if c.connecting {
		l.finishDial(c)
		return
	}
	if ev&poll.EvWrite != 0 || (ev&poll.EvErr != 0 && len(c.out) > 0) {
		c.wblocked = false
		l.settle(c)
		if c.closed {
			return
		}
	}
	if ev&(poll.EvRead|poll.EvErr) == 0 || c.closing {
		return
	}
	if c.pauseReq.Load() != c.paused {
		c.applyPause(!c.paused)
		if c.closed {
			return
		}
	}
	if (c.paused || c.readEOF) && ev&poll.EvErr == 0 {
		return
	}
	l.read(c)
}

// applyPause stops or restarts reading as Pause and Resume asked. After
// stopping it looks at the request again: a Resume that came in between
// saw pauseApplied still false and posted nothing, so this side undoes it.
func (c *Conn) applyPause(pause bool) {
	c.paused = pause
	c.pauseApplied.Store(pause)
	if pause && !c.pauseReq.Load() {
		c.paused = false
		c.pauseApplied.Store(false)
	}
	c.loop.updateInterest(c)
}

// read does one read(2) into the loop buffer and calls OnTraffic.
func (l *Loop) read(c *Conn) {
	n, err := sock.Read(c.fd, l.buf)
	if err != nil {
		if err == unix.EAGAIN || err == unix.EINTR {
			return
		}
		l.closeNow(c, c.opError("read", err))
		return
	}
	if n == 0 && !c.udp {
		l.peerEOF(c)
		return
	}
	c.countIn(n)
	if c.udp {
		c.in = l.buf[:n]
		a := l.callTraffic(c)
		c.in = nil
		l.afterCallback(c, a)
		return
	}
	if len(c.in) == 0 {
		c.in = l.buf[:n]
	} else {
		c.appendIn(l.buf[:n])
	}
	a := l.callTraffic(c)
	c.keepLeftover()
	l.afterCallback(c, a)
}

// wakeTraffic runs OnTraffic for Conn.Wake.
func (c *Conn) wakeTraffic() {
	l := c.loop
	a := l.callTraffic(c)
	if !c.udp {
		c.keepLeftover()
	}
	l.afterCallback(c, a)
}

// peerEOF handles a read of 0 bytes on a stream.
func (l *Loop) peerEOF(c *Conn) {
	if c.readEOF { // EOF seen again after a half-close: the conn is done
		l.closeNow(c, nil)
		return
	}
	if c.cfg.HalfClose {
		if rh, ok := c.h.(ReadEOFHandler); ok {
			c.readEOF = true
			l.updateInterest(c)
			a := l.callReadEOF(c, rh)
			l.afterCallback(c, a)
			return
		}
	}
	c.readEOF = true
	l.closeGracefully(c, nil)
}

// afterCallback applies a callback's result.
func (l *Loop) afterCallback(c *Conn, a Action) {
	if c.closed {
		return
	}
	if c.err != nil {
		l.closeNow(c, c.err)
		return
	}
	switch a {
	case Close:
		l.closeGracefully(c, nil)
	case Shutdown:
		if c.ln != nil {
			c.ln.shutdownAsync()
		} else {
			l.closeGracefully(c, nil)
		}
	}
}

// closeGracefully stops reading and closes once the outbound queue drains.
func (l *Loop) closeGracefully(c *Conn, err error) {
	if c.closed {
		return
	}
	if len(c.out) == 0 || c.udp {
		l.closeNow(c, err)
		return
	}
	if !c.closing {
		c.closing = true
		c.closeErr = err
	}
	l.markDirty(c)
}

// closeNow closes the fd, releases buffers and calls OnClose (once).
func (l *Loop) closeNow(c *Conn, err error) {
	if c.closed || c.udpDatagram {
		return
	}
	c.closed = true
	c.isClosed.Store(true)
	c.closeErr = err
	l.p.Del(c.fd, c.interest)
	unix.Close(c.fd)
	l.removeConn(c)
	c.in = nil
	c.setInBuf(nil)
	for _, ch := range c.out {
		if ch.pooled {
			buffer.Put(ch.b)
		}
	}
	c.out, c.outLen, c.outHead = nil, 0, 0
	c.outAtom.Store(0)
	if c.opened {
		l.callClose(c, err)
	}
	l.nconns.Add(-1)
	l.eng.connClosed()
	if c.ln != nil {
		if c.offCap {
			c.ln.offCap.Add(-1)
		}
		c.ln.connClosed(c.peerIP)
	}
	if c.dial != nil {
		c.dial.finish(l, c, err) // a connect that never opened reports here
	}
}
