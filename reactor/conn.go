//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Conn is one TCP or Unix stream connection (accepted or dialed), one
// dialed UDP socket, or one UDP datagram received by a UDP listener.
//
// Inbound methods (Peek, Next, Discard, InboundBuffered), Write, Writev and
// CloseWrite are for the loop goroutine only: inside handler callbacks, or
// inside Loop.Execute funcs and timer funcs of the conn's loop. AsyncWrite,
// AsyncWritev, Wake, Close, CloseWithError, Pause, Resume,
// OutboundBuffered, Info and the address getters are safe for concurrent
// use. Context and SetContext are not synchronized.
type Conn struct {
	id       uint64
	fd       int
	loop     *Loop
	ln       *Listener
	h        Handler
	network  string
	local    net.Addr
	remote   net.Addr
	cfg      *ConnConfig
	openedAt time.Time
	ctx      any

	// inbound; in aliases the loop's read buffer during OnTraffic when the
	// conn holds nothing of its own, else it lies inside inBuf.
	in    []byte
	inBuf []byte

	// outbound chunks; the first is written from outHead on.
	out      []chunk
	outHead  int
	outLen   int
	outAtom  atomic.Int64
	interest interest

	opened      bool // OnOpen ran: OnClose is owed
	closed      bool
	closing     bool // flush, then close with closeErr
	closeErr    error
	err         error // fatal error found inside a callback; closes after it
	readEOF     bool
	paused      bool
	highArmed   bool
	shutWR      bool // CloseWrite requested
	wroteShut   bool
	dirty       bool
	connecting  bool
	udp         bool // datagram semantics (dialed UDP or UDP datagram)
	udpDatagram bool // one datagram from a UDP listener
	udpSA       unix.Sockaddr
	udpSock     *lnSocket
	wblocked    bool // the last write hit EAGAIN or was short: wait for writability
	dial        *dialState
	isClosed    atomic.Bool
	bytesIn     atomic.Uint64
	bytesOut    atomic.Uint64
}

// chunk is one piece of queued output; pooled chunks came from the buffer
// pool and go back to it once written.
type chunk struct {
	b      []byte
	pooled bool
}

// ID returns the conn's engine-unique id. Safe for concurrent use.
func (c *Conn) ID() uint64 { return c.id }

// Network returns "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6" or "unix".
// Safe for concurrent use.
func (c *Conn) Network() string { return c.network }

// LocalAddr returns the local address. Safe for concurrent use.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address (for a UDP datagram: its sender).
// Safe for concurrent use.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Loop returns the loop that owns the conn. Safe for concurrent use.
func (c *Conn) Loop() *Loop { return c.loop }

// Listener returns the listener that accepted the conn, nil for dialed
// conns. Safe for concurrent use.
func (c *Conn) Listener() *Listener { return c.ln }

// Context returns the value set by SetContext. Not synchronized.
func (c *Conn) Context() any { return c.ctx }

// SetContext attaches a value to the conn. Not synchronized: set it in
// OnOpen, before the conn is shared with other goroutines.
func (c *Conn) SetContext(v any) { c.ctx = v }

// OutboundBuffered returns the bytes queued for writing. Safe for
// concurrent use.
func (c *Conn) OutboundBuffered() int { return int(c.outAtom.Load()) }

// ArmWritable asks for one OnWritable once the outbound buffer is below the
// low water mark: at the end of this loop round if it already is. Writes
// arm it themselves when the buffer reaches the high water mark; a handler
// that measures backpressure on its own terms arms it explicitly. Loop
// goroutine only.
func (c *Conn) ArmWritable() {
	c.highArmed = true
	c.loop.markDirty(c)
}

// Info returns a snapshot of the conn. Safe for concurrent use.
func (c *Conn) Info() ConnInfo {
	ci := ConnInfo{
		ID: c.id, Network: c.network, Local: c.local, Remote: c.remote,
		Loop: c.loop.idx, BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load(),
		Outbound: c.OutboundBuffered(), OpenedAt: c.openedAt,
	}
	if c.ln != nil {
		ci.Listener = c.ln.url
	}
	return ci
}

// Peek returns the next n inbound bytes without consuming them; n <= 0
// returns all buffered bytes. With fewer than n buffered it returns what
// there is and io.ErrShortBuffer. The slice is valid until the callback
// returns. Loop goroutine only.
func (c *Conn) Peek(n int) ([]byte, error) {
	if n <= 0 || n == len(c.in) {
		return c.in, nil
	}
	if n > len(c.in) {
		return c.in, io.ErrShortBuffer
	}
	return c.in[:n:n], nil
}

// Next is like Peek but consumes the bytes it returns. With fewer than n
// buffered it consumes nothing and returns what there is and
// io.ErrShortBuffer. Loop goroutine only.
func (c *Conn) Next(n int) ([]byte, error) {
	b, err := c.Peek(n)
	if err == nil {
		c.in = c.in[len(b):]
	}
	return b, err
}

// Discard drops up to n buffered inbound bytes and returns how many it
// dropped: Discard(0) drops nothing (a decoder that needs more bytes passes
// 0), a negative n drops everything buffered. Loop goroutine only.
func (c *Conn) Discard(n int) (int, error) {
	if n == 0 {
		return 0, nil
	}
	if n < 0 || n > len(c.in) {
		n = len(c.in)
	}
	c.in = c.in[n:]
	return n, nil
}

// InboundBuffered returns the number of unread inbound bytes. Loop
// goroutine only.
func (c *Conn) InboundBuffered() int { return len(c.in) }

// Write writes p at once if nothing is queued and copies what the socket
// does not take into the outbound buffer; it never blocks. With
// CoalesceWrites it copies all of p and the loop writes it when the round
// ends. Past MaxOutbound it returns an *OutboundFullError and the conn
// closes after the current callback. On a UDP conn it sends p as one
// datagram. Loop goroutine only.
func (c *Conn) Write(p []byte) (int, error) {
	if c.closed || c.closing || c.err != nil || c.shutWR {
		return 0, ErrClosed
	}
	if c.udp {
		return c.sendDatagram(p)
	}
	n := 0
	if len(c.out) == 0 && !c.cfg.CoalesceWrites {
		n = c.writeDirect(p)
		if n == len(p) || c.err != nil {
			return n, c.err
		}
	}
	if err := c.enqueue(p[n:], true); err != nil {
		return n, err
	}
	return len(p), nil
}

// Writev is Write for several buffers, written in order. Loop goroutine
// only.
func (c *Conn) Writev(bs [][]byte) (int, error) {
	if c.closed || c.closing || c.err != nil || c.shutWR {
		return 0, ErrClosed
	}
	if c.udp {
		return c.sendDatagram(joinBufs(bs))
	}
	total := 0
	for _, b := range bs {
		total += len(b)
	}
	n := 0
	if len(c.out) == 0 && !c.cfg.CoalesceWrites {
		n = c.writevDirect(bs)
		if n == total || c.err != nil {
			return n, c.err
		}
	}
	skip := n
	for _, b := range bs {
		if skip >= len(b) {
			skip -= len(b)
			continue
		}
		if err := c.enqueue(b[skip:], true); err != nil {
			return n, err
		}
		skip = 0
	}
	return total, nil
}

// CloseWrite shuts down the writing side (shutdown SHUT_WR) once the
// queued outbound bytes are flushed; reading goes on. Loop goroutine only.
func (c *Conn) CloseWrite() error {
	if c.closed || c.udp {
		return ErrClosed
	}
	c.shutWR = true
	c.loop.markDirty(c)
	return nil
}

// AsyncWrite queues p for writing from any goroutine; the reactor owns p
// after the call. Writes queued in one loop round are flushed together with
// one writev. done, if not nil, runs on the loop goroutine after the flush
// attempt, with a non-nil error if the conn was closed or the write failed.
// When AsyncWrite itself returns an error (ErrClosed), done is not called.
// Safe for concurrent use.
func (c *Conn) AsyncWrite(p []byte, done func(c *Conn, err error)) error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskWrite, c: c, data: p, done: done})
}

// AsyncWritev is AsyncWrite for several buffers, written in order.
// Safe for concurrent use.
func (c *Conn) AsyncWritev(bs [][]byte, done func(c *Conn, err error)) error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskWritev, c: c, bufs: bs, done: done})
}

// Wake schedules an OnTraffic call on the loop, with whatever inbound bytes
// are buffered (possibly none); done, if not nil, runs after it.
// Safe for concurrent use.
func (c *Conn) Wake(done func(c *Conn, err error)) error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskWake, c: c, done: done})
}

// Close stops reading, flushes what is queued and then closes the conn;
// OnClose receives nil. On a UDP datagram conn it does nothing.
// Safe for concurrent use.
func (c *Conn) Close() error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskClose, c: c})
}

// CloseWithError closes the conn at once, dropping queued output; OnClose
// receives err. Safe for concurrent use.
func (c *Conn) CloseWithError(err error) error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskCloseErr, c: c, err: err})
}

// Abort closes the conn at once with SO_LINGER set to 0, so a TCP peer
// gets a reset (ECONNRESET) instead of an orderly FIN; queued output is
// dropped and OnClose receives err. On other conns it acts as
// CloseWithError. Safe for concurrent use.
func (c *Conn) Abort(err error) error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskAbort, c: c, err: err})
}

// Pause stops reading from the conn until Resume; outbound data still
// flows. Safe for concurrent use.
func (c *Conn) Pause() error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskPause, c: c})
}

// Resume restarts reading after Pause. Safe for concurrent use.
func (c *Conn) Resume() error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskResume, c: c})
}

func (c *Conn) closeErrOr(def error) error {
	if c.closeErr != nil {
		return c.closeErr
	}
	return def
}

func joinBufs(bs [][]byte) []byte {
	if len(bs) == 1 {
		return bs[0]
	}
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
