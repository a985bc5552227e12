//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
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
	peerIP   netip.Addr // counted under this IP for MaxConnsPerIP; zero if not
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
	interest poll.Interest

	// asyncPending counts bytes given to AsyncWrite(v) whose task has not
	// run yet; OutboundBuffered and the MaxOutbound check add it to outLen
	// at the moment a producer calls, not only once the loop catches up.
	asyncPending atomic.Int64
	overCap      atomic.Bool // an AsyncWrite hit MaxOutbound: the close is posted
	// maxOut overrides cfg.MaxOutbound when positive (SetMaxOutbound).
	maxOut atomic.Int64
	// offCap: the conn no longer counts against its listener's MaxConns
	// (LeaveListenerCap). Loop goroutine.
	offCap bool

	// pauseReq is what Pause and Resume ask for; the loop applies it to
	// paused (and the poller) before its next read, so Pause posts nothing.
	// pauseApplied mirrors paused for Resume, which must wake the loop
	// only when reading really stopped.
	pauseReq     atomic.Bool
	pauseApplied atomic.Bool

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

// OutboundBuffered returns the bytes queued for writing, counting
// AsyncWrite data the loop has not taken up yet. Safe for concurrent use.
func (c *Conn) OutboundBuffered() int { return int(c.outAtom.Load() + c.asyncPending.Load()) }

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
//
// p counts towards OutboundBuffered and MaxOutbound at once, while it still
// waits for the loop: when the bytes buffered plus those in flight would
// pass MaxOutbound, AsyncWrite queues nothing, returns an
// *OutboundFullError and closes the conn with it (OnClose receives it), as
// Write does. So a producer that outruns a peer that does not read gets an
// error value once MaxOutbound is reached, never unbounded growth. It
// returns ErrClosed on a closed conn and ErrLoopBusy when the loop's task
// queue is full (the conn stays open). When AsyncWrite returns an error,
// done is not called. Safe for concurrent use.
func (c *Conn) AsyncWrite(p []byte, done func(c *Conn, err error)) error {
	return c.postWrite(task{kind: taskWrite, c: c, data: p, done: done, size: len(p)})
}

// AsyncWritev is AsyncWrite for several buffers, written in order.
// Safe for concurrent use.
func (c *Conn) AsyncWritev(bs [][]byte, done func(c *Conn, err error)) error {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	return c.postWrite(task{kind: taskWritev, c: c, bufs: bs, done: done, size: n})
}

// postWrite reserves t.size bytes of the conn's outbound budget and posts
// t. UDP conns send at once and reserve nothing.
func (c *Conn) postWrite(t task) error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	if c.udp {
		t.size = 0
		return c.loop.post(t, true)
	}
	n := int64(t.size)
	pending := c.asyncPending.Add(n)
	if size, limit := c.outAtom.Load()+pending, c.maxOutbound(); size > int64(limit) {
		c.asyncPending.Add(-n)
		err := &OutboundFullError{Size: int(size), Max: limit}
		if c.overCap.CompareAndSwap(false, true) {
			c.loop.post(task{kind: taskCloseErr, c: c, err: err}, false)
		}
		return err
	}
	if err := c.loop.post(t, true); err != nil {
		c.asyncPending.Add(-n)
		return err
	}
	return nil
}

// Wake schedules an OnTraffic call on the loop, with whatever inbound bytes
// are buffered (possibly none); done, if not nil, runs after it. It returns
// ErrClosed on a closed conn and ErrLoopBusy when the loop's task queue is
// full. Safe for concurrent use.
func (c *Conn) Wake(done func(c *Conn, err error)) error {
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskWake, c: c, done: done}, true)
}

// Close stops reading, flushes what is queued and then closes the conn;
// OnClose receives nil. On a UDP datagram conn it does nothing. A full
// task queue does not refuse it. Safe for concurrent use.
func (c *Conn) Close() error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskClose, c: c}, false)
}

// CloseWithError closes the conn at once, dropping queued output; OnClose
// receives err. A full task queue does not refuse it. Safe for concurrent
// use.
func (c *Conn) CloseWithError(err error) error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	return c.loop.post(task{kind: taskCloseErr, c: c, err: err}, false)
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
	return c.loop.post(task{kind: taskAbort, c: c, err: err}, false)
}

// Pause stops reading from the conn until Resume; outbound data still
// flows and a peer's close is still noticed. It only sets a flag: no task,
// no wake-up, no system call, so it is cheap to call per message from any
// goroutine. The loop applies it before its next read of the conn: a read
// already under way when Pause is called may still be delivered to
// OnTraffic (at most one, of up to Options.ReadBufferSize bytes), and Wake
// still runs OnTraffic. Pausing a paused conn does nothing. On a UDP
// datagram conn Pause does nothing. Safe for concurrent use.
func (c *Conn) Pause() error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	c.pauseReq.Store(true)
	return nil
}

// Resume restarts reading after Pause. It posts a task to the loop only
// when the loop had stopped reading; resuming a conn that is not paused,
// or whose Pause the loop has not applied yet, only clears the flag. A
// full task queue does not refuse it. Safe for concurrent use.
func (c *Conn) Resume() error {
	if c.udpDatagram {
		return nil
	}
	if c.isClosed.Load() {
		return ErrClosed
	}
	// Store, then load: the loop stores pauseApplied, then loads pauseReq
	// (applyPause), so at least one side sees the other and the conn
	// cannot stay paused after Resume.
	if c.pauseReq.Swap(false) && c.pauseApplied.Load() {
		return c.loop.post(task{kind: taskResume, c: c}, false)
	}
	return nil
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
