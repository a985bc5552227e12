package ws

import (
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
)

// DialOptions configures a [Robust] client (Lua ws.dial's options).
type DialOptions struct {
	Client     Config   // state machine, backoff, heartbeat, queue
	Protocols  []string // Sec-WebSocket-Protocol offers
	Deflate    bool     // offer permessage-deflate
	MaxMessage int64    // 0 means wsc.DefaultMaxMessage
	// CloseGrace is how long close() waits for the server's close frame
	// before dropping TCP; 0 means 2 s.
	CloseGrace time.Duration
}

// Handlers receive a Robust client's events, one at a time and in order,
// never while the client's lock is held (so they may call Send or Close).
// Data is the client's own copy.
type Handlers interface {
	OnState(t Transition)
	OnOpen(protocol string)
	OnMessage(data []byte, binary bool)
	// OnClose reports the end of one connection: the server's close code
	// and reason, the code netplay failed it with, or 1006.
	OnClose(code int, reason string)
}

// Robust is the robust client on netplay's reactor: it dials, does the
// handshake, reconnects with backoff, pings, queues sends while down, all
// decided by a [Client]. Its methods are safe for concurrent use.
type Robust struct {
	eng  *reactor.Engine
	url  string // tcp://host:port for the reactor
	req  wsc.ClientRequest
	opts DialOptions
	h    Handlers
	now  func() time.Time

	mu      sync.Mutex
	cl      *Client
	gen     int           // the current conn's generation; older conns are stale
	conn    *reactor.Conn // the current conn once dialed
	ws      *wsc.Conn     // its protocol state once the handshake is done
	key     string
	closing bool // close() sent our close frame; the conn is ours to end
	timer   *time.Timer

	events     []func() // handler calls waiting to be delivered
	delivering bool
	dials      int // dials requested under the lock, started after it

	taps tap.Set // net.tap, :tap (tap.go): every conn the client dials
}

// ParseWSURL splits ws://host:port/path?query into the reactor's
// tcp://host:port and the request target. Only ws:// is supported (no
// TLS in netplay).
func ParseWSURL(raw string) (tcpURL, host, target string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", fmt.Errorf("ws: dial %q: %v", raw, err)
	}
	if u.Scheme != "ws" {
		return "", "", "", fmt.Errorf("ws: dial %q: scheme %q is not ws (wss needs TLS, which netplay does not speak)", raw, u.Scheme)
	}
	if u.Port() == "" {
		return "", "", "", fmt.Errorf("ws: dial %q: the URL needs a port", raw)
	}
	target = u.RequestURI()
	return "tcp://" + u.Host, u.Host, target, nil
}

// NewRobust makes a client for the ws:// URL raw; Start dials.
func NewRobust(eng *reactor.Engine, raw string, opts DialOptions, h Handlers) (*Robust, error) {
	tcpURL, host, target, err := ParseWSURL(raw)
	if err != nil {
		return nil, err
	}
	if opts.CloseGrace <= 0 {
		opts.CloseGrace = 2 * time.Second
	}
	r := &Robust{eng: eng, url: tcpURL, opts: opts, h: h, now: time.Now,
		req: wsc.ClientRequest{Host: host, Path: target, Protocols: opts.Protocols}}
	if opts.Deflate {
		r.req.Extensions = wsc.DeflateOffer(wsc.DeflateConfig{})
	}
	cfg := opts.Client
	cfg.OnState = func(t Transition) { r.emit(func() { h.OnState(t) }) } // runs under the lock
	r.cl = NewClient(cfg)
	return r, nil
}

// do runs fn under the lock, then starts the dials it asked for and
// delivers the events it queued, in order, outside the lock.
func (r *Robust) do(fn func(now time.Time)) {
	r.mu.Lock()
	fn(r.now())
	r.schedule()
	dials := r.dials
	r.dials = 0
	gen := r.gen
	deliver := !r.delivering && len(r.events) > 0
	if deliver {
		r.delivering = true
	}
	r.mu.Unlock()
	if dials > 0 {
		r.eng.DialAsync(r.url, &dconn{r: r, gen: gen}, reactor.DialConfig{}, func(c *reactor.Conn, err error) {
			if err != nil {
				r.do(func(now time.Time) { r.lost(now, gen, "dial: "+err.Error(), false) })
			}
		})
	}
	for deliver {
		r.mu.Lock()
		evs := r.events
		r.events = nil
		if len(evs) == 0 {
			r.delivering = false
			deliver = false
		}
		r.mu.Unlock()
		for _, ev := range evs {
			ev()
		}
	}
}

// Start dials for the first time: disconnected → connecting.
func (r *Robust) Start() error {
	var err error
	r.do(func(now time.Time) {
		if err = r.cl.Dial(now); err == nil {
			r.dial()
		}
	})
	return err
}

// dial asks for a new conn (under the lock); the old one, if any, is stale.
func (r *Robust) dial() {
	r.dropConn()
	r.key = wsc.NewKey()
	r.dials++
}

// dropConn forgets the current conn and closes its socket; its later
// events are stale.
func (r *Robust) dropConn() {
	if r.conn != nil {
		r.conn.Close()
	}
	r.conn, r.ws, r.closing = nil, nil, false
	r.gen++
}

// lost handles the end of conn gen without the client asking.
func (r *Robust) lost(now time.Time, gen int, why string, wasOpen bool) {
	if gen != r.gen || r.closing {
		return
	}
	if wasOpen {
		r.emit(func() { r.h.OnClose(wsc.CloseAbnormal, why) })
	}
	r.dropConn()
	_ = r.cl.Lost(now, why) // refused only where nothing is to be done (closed)
}

func (r *Robust) emit(fn func()) { r.events = append(r.events, fn) }

// schedule sets the timer to the client's next deadline (under the lock).
func (r *Robust) schedule() {
	next := r.cl.Next()
	if next.IsZero() {
		if r.timer != nil {
			r.timer.Stop()
		}
		return
	}
	d := max(next.Sub(r.now()), 0)
	if r.timer == nil {
		r.timer = time.AfterFunc(d, r.tick)
	} else {
		r.timer.Reset(d)
	}
}

func (r *Robust) tick() {
	r.do(func(now time.Time) {
		if next := r.cl.Next(); next.IsZero() || now.Before(next) {
			return // an early or stale firing: schedule() sets it again
		}
		due := r.cl.Tick(now)
		switch {
		case due.Abort:
			wasOpen := r.ws != nil
			r.dropConn()
			if wasOpen {
				why := "heartbeat: no answer"
				r.emit(func() { r.h.OnClose(wsc.CloseAbnormal, why) })
			}
		case due.Dial:
			r.dial()
		case due.Ping != nil && r.ws != nil:
			r.write(func(out []byte) ([]byte, error) { return r.ws.AppendPing(out, due.Ping) })
		}
	})
}

// write encodes with fn and queues the bytes on the current conn, under
// the lock so that frames leave in the order they were encoded.
func (r *Robust) write(fn func(out []byte) ([]byte, error)) error {
	out, err := fn(nil)
	if err != nil {
		return err
	}
	if r.conn == nil {
		return ErrNotOpen
	}
	if r.taps.Active() {
		r.taps.Out(r.conn, out, true) // the request (an HTTP head) or frames
	}
	return r.conn.AsyncWrite(out, nil)
}

// writeNow is write on the conn's loop goroutine, inside its callback:
// the bytes go out before the callback's reactor.Close takes effect
// (an AsyncWrite would be queued behind the close).
func (r *Robust) writeNow(fn func(out []byte) ([]byte, error)) {
	if out, err := fn(nil); err == nil && r.conn != nil && len(out) > 0 {
		if r.taps.Active() {
			r.taps.Out(r.conn, out, true) // the request (an HTTP head) or frames
		}
		r.conn.Write(out)
	}
}

// ErrInvalidText is returned by Send for a text that is not UTF-8.
var ErrInvalidText = wsc.ErrInvalidText

// Send sends a message now if connected, else queues it. It returns
// ErrQueueFull when the queue is full, ErrClosed after Close, and
// ErrInvalidText for a text that is not UTF-8.
func (r *Robust) Send(data []byte, binary bool) error {
	if !binary && !wsc.ValidUTF8(data) {
		return ErrInvalidText
	}
	data = append([]byte(nil), data...) // the caller may reuse its buffer
	var err error
	r.do(func(now time.Time) {
		var direct bool
		if direct, err = r.cl.Send(now, data, binary); direct {
			err = r.writeMsg(data, binary)
		}
	})
	return err
}

func (r *Robust) writeMsg(data []byte, binary bool) error {
	return r.write(func(out []byte) ([]byte, error) {
		if binary {
			return r.ws.AppendBinary(out, data)
		}
		return r.ws.AppendText(out, data)
	})
}

// Close sends a close frame (code 0: none) if connected and ends in
// closed; no reconnect follows. Closing twice returns ErrClosed.
func (r *Robust) Close(code int, reason string, why string) error {
	var err error
	r.do(func(now time.Time) {
		if err = r.cl.Close(now, why); err != nil {
			return
		}
		if r.ws == nil {
			r.dropConn()
			return
		}
		r.closing = true
		if werr := r.write(func(out []byte) ([]byte, error) { return r.ws.AppendClose(out, code, reason) }); werr != nil {
			err = werr
		}
		c := r.conn
		time.AfterFunc(r.opts.CloseGrace, func() { c.Close() }) // the server should close first
	})
	return err
}

// State returns the current state.
func (r *Robust) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cl.State()
}

// Stats returns the client's counters now.
func (r *Robust) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cl.Stats(r.now())
}

// dconn is one dialed conn's reactor handler; gen tells a stale conn's
// events from the current one's.
type dconn struct {
	reactor.BaseHandler
	r     *Robust
	gen   int
	buf   []byte     // the 101's head as it arrives
	tapRd tap.Reader // the inbound bytes the taps saw (tap.go)
}

func (d *dconn) OnOpen(c *reactor.Conn) reactor.Action {
	r := d.r
	act := reactor.None
	r.do(func(now time.Time) {
		if d.gen != r.gen || r.cl.State() != Connecting {
			act = reactor.Close
			return
		}
		r.conn = c
		req := r.req
		req.Key = r.key
		r.write(func(out []byte) ([]byte, error) { return wsc.AppendRequest(out, req), nil })
	})
	return act
}

func (d *dconn) OnTraffic(c *reactor.Conn) reactor.Action {
	r := d.r
	in, _ := c.Peek(-1)
	act, used := reactor.None, 0
	r.do(func(now time.Time) {
		if r.taps.Active() {
			d.tapRd.In(&r.taps, c, in, c.Info().BytesIn, r.ws != nil)
		}
		if d.gen != r.gen {
			act, used = reactor.Close, len(in)
			return
		}
		if r.ws == nil {
			n, err := r.handshake(now, in)
			if err != nil {
				r.lost(now, d.gen, err.Error(), false)
				act, used = reactor.Close, len(in)
				return
			}
			if r.ws == nil {
				return // the head is not complete yet
			}
			used = n
		}
		var n int
		n, act = r.frames(now, in[used:])
		used += n
	})
	c.Discard(used)
	return act
}

func (d *dconn) OnClose(c *reactor.Conn, err error) {
	r := d.r
	r.taps.Closed(c)
	why := "server closed the TCP conn"
	if err != nil {
		why = err.Error()
	}
	r.do(func(now time.Time) {
		if d.gen == r.gen {
			r.lost(now, d.gen, why, r.ws != nil)
		}
	})
}

// handshake reads the 101 (under the lock); r.ws is set once it is done.
func (r *Robust) handshake(now time.Time, in []byte) (int, error) {
	h, n, err := wsc.ParseResponseHead(in, 0)
	if err != nil || h == nil {
		return 0, err
	}
	proto, exts, err := wsc.CheckResponse(h, r.key, r.opts.Protocols)
	if err != nil {
		return 0, err
	}
	cfg := wsc.Config{MaxMessage: r.opts.MaxMessage}
	if p, on, err := wsc.ParseDeflateResponse(exts, wsc.DeflateConfig{}); err != nil {
		return 0, err
	} else if on {
		cfg.Deflate = &p
	}
	r.ws = wsc.NewConn(wsc.Client, cfg)
	flush, err := r.cl.Opened(now)
	if err != nil {
		return 0, err
	}
	r.emit(func() { r.h.OnOpen(proto) })
	for _, m := range flush {
		if err := r.writeMsg(m.Data, m.Binary); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// frames decodes what arrived after the handshake (under the lock).
func (r *Robust) frames(now time.Time, in []byte) (used int, act reactor.Action) {
	for {
		m, n, err := r.ws.Decode(in[used:])
		if err != nil {
			var ce *wsc.CloseError
			errors.As(err, &ce)
			r.writeNow(func(out []byte) ([]byte, error) { return r.ws.AppendClose(out, ce.Code, ce.Reason) })
			r.emit(func() { r.h.OnClose(ce.Code, err.Error()) })
			r.lostAfterClose(now, fmt.Sprintf("failed the conn: %v", err))
			return len(in), reactor.Close
		}
		if m.Kind == wsc.KindNone && n == 0 {
			return used, reactor.None
		}
		used += n
		switch m.Kind {
		case wsc.KindText, wsc.KindBinary:
			r.cl.Received(now)
			data, binary := append([]byte(nil), m.Data...), m.Kind == wsc.KindBinary
			r.emit(func() { r.h.OnMessage(data, binary) })
		case wsc.KindPing:
			r.cl.Control(now)
			r.write(func(out []byte) ([]byte, error) { return r.ws.AppendPong(out, m.Data) })
		case wsc.KindPong:
			r.cl.Pong(now, m.Data)
		case wsc.KindClose:
			r.cl.Control(now)
			code, reason := m.Code, m.Reason
			r.writeNow(func(out []byte) ([]byte, error) { return r.ws.AppendCloseReply(out, code), nil })
			r.emit(func() { r.h.OnClose(code, reason) })
			if !r.closing {
				r.lostAfterClose(now, fmt.Sprintf("server closed %d %s", code, wsc.CloseText(code)))
			}
			return len(in), reactor.Close
		}
	}
}

// lostAfterClose moves on after a close this conn already reported.
func (r *Robust) lostAfterClose(now time.Time, why string) {
	r.conn, r.ws = nil, nil // the reactor closes it after the write
	r.gen++                 // so its OnClose is stale
	_ = r.cl.Lost(now, why)
}
