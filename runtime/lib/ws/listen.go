package ws

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/internal/inflow"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
)

// ServerHandlers receive a WebSocket server's events on the conn's loop
// goroutine, in order per conn. ev.Data is valid during the call only.
// For EvClose the handler calls c.Finish(ev) (or FinishOnLoop) once every
// event before it was handled, so that replies to earlier messages go out
// before the close frame; a handler that handles events inline calls it
// at once.
type ServerHandlers interface {
	OnEvent(c *SConn, ev Event)
}

// Server is a WebSocket listener (ws.listen) on netplay's reactor: the
// upgrade, the frames and the heartbeat run on the loops; the handlers
// decide where the Lua runs. Safe for concurrent use.
type Server struct {
	ln   *reactor.Listener
	opts ServerOptions
	h    ServerHandlers

	mu    sync.Mutex
	conns map[*SConn]struct{} // open conns, for Broadcast and Conns
	taps  *tap.Set            // net.tap, :tap (tap.go); nil: none can attach

	// scratch is each loop's write buffer for one callback, so that an
	// idle conn holds none; filled before Listen, only read afterwards.
	scratch map[*reactor.Loop]*[]byte
}

// CloseGrace is how long a conn waits for the peer's answer to our close
// frame before the TCP conn is dropped.
const CloseGrace = 2 * time.Second

// Listen starts a WebSocket server on the ws:// URL raw (a missing host
// means 127.0.0.1); any request path is accepted and shown in Req.
func Listen(eng *reactor.Engine, raw string, opts ServerOptions, cfg reactor.ListenConfig, h ServerHandlers) (*Server, error) {
	tcpURL, _, _, err := ParseWSURL(raw)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, h: h, conns: map[*SConn]struct{}{}, scratch: map[*reactor.Loop]*[]byte{}, taps: new(tap.Set)}
	for _, l := range eng.Loops() {
		s.scratch[l] = new([]byte)
	}
	ln, err := eng.Listen(tcpURL, &shandler{s: s}, cfg)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Listener returns the reactor listener (stats, conns).
func (s *Server) Listener() *reactor.Listener { return s.ln }

// Conns returns the open conns (handshake done, no close yet).
func (s *Server) Conns() []*SConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*SConn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Broadcast sends msg to every open conn of the server, on every loop, and
// returns how many it was queued for.
func (s *Server) Broadcast(msg []byte, binary bool) int {
	n := 0
	for _, c := range s.Conns() {
		if c.Send(msg, binary) == nil {
			n++
		}
	}
	return n
}

// Close sends every open conn a 1001 "going away" close, then closes the
// listener, waiting for the conns until ctx ends. Not from a loop
// goroutine.
func (s *Server) Close(ctx context.Context) error {
	for _, c := range s.Conns() {
		c.Close(wsc.CloseGoingAway, "server shutting down")
	}
	return s.ln.Close(ctx)
}

// SConn is one server-side WebSocket conn.
type SConn struct {
	rc  *reactor.Conn
	sc  *ServerConn
	srv *Server
	// Value is the binding's own per-conn data (the Lua conn).
	Value any

	// queued counts this conn's events waiting for the script VM (the
	// binding's, for host.ConnHost.Enter).
	queued atomic.Int32
	// in bounds the messages waiting in the script VM's queue, as
	// net.listen bounds its frames (runtime/internal/inflow): past the
	// bound the conn's reads pause. Init on the loop before the first post.
	in     inflow.Conn
	inInit bool

	timer *reactor.Timer // heartbeat; loop only
	out   *[]byte        // during a loop callback: its loop's scratch, gathering writes
	inCB  bool           // in a loop callback: SendOnLoop gathers into out
	fin   bool           // the close frame is written; close TCP after the flush
	// behind: in this callback the script VM ran inline while AsyncWrites
	// of its earlier (queued) replies were still on their way to the loop;
	// the callback's writes then queue behind them. Loop goroutine.
	behind bool
	tapRd  tap.Reader // the inbound bytes the taps saw (tap.go)
}

// ID returns the conn's id (the reactor's).
func (c *SConn) ID() uint64 { return c.rc.ID() }

// Remote returns the peer's address.
func (c *SConn) Remote() string { return c.rc.RemoteAddr().String() }

// Local returns the conn's local address.
func (c *SConn) Local() string { return c.rc.LocalAddr().String() }

// Req returns the upgrade request.
func (c *SConn) Req() *wsc.Head { return c.sc.Req }

// Protocol returns the chosen subprotocol, or "".
func (c *SConn) Protocol() string { return c.sc.Protocol }

// Conn returns the reactor conn.
func (c *SConn) Conn() *reactor.Conn { return c.rc }

// Send queues a message from any goroutine (the script VM's c:send).
func (c *SConn) Send(msg []byte, binary bool) error {
	out, err := c.sc.AppendMessage(nil, msg, binary)
	if err != nil {
		return err
	}
	c.tapOut(out)
	return c.rc.AsyncWrite(out, nil)
}

// SendOnLoop sends a message from the conn's loop goroutine (a loop VM's
// c:send): gathered with the callback's other writes, or written at once.
func (c *SConn) SendOnLoop(msg []byte, binary bool) error {
	var err error
	if c.inCB {
		*c.out, err = c.sc.AppendMessage(*c.out, msg, binary)
		return err
	}
	out, err := c.sc.AppendMessage(nil, msg, binary)
	if err == nil {
		_, err = c.writeOnLoop(out)
	}
	return err
}

// Ping sends a ping; safe for concurrent use.
func (c *SConn) Ping(payload []byte) error {
	out, err := c.sc.AppendPing(nil, payload)
	if err != nil {
		return err
	}
	c.tapOut(out)
	return c.rc.AsyncWrite(out, nil)
}

// Close starts the close handshake with code and reason (code 0: an empty
// close frame); the TCP conn ends when the peer answers or after
// CloseGrace. Safe for concurrent use.
func (c *SConn) Close(code int, reason string) error {
	out, err := c.sc.AppendClose(nil, code, reason)
	if err != nil {
		return err
	}
	c.tapOut(out)
	if err := c.rc.AsyncWrite(out, nil); err != nil {
		return err
	}
	rc := c.rc
	rc.Loop().AfterFunc(CloseGrace, func() { rc.Close() })
	return nil
}

// PingOnLoop is Ping from the conn's loop goroutine: inside a callback the
// ping joins the callback's writes (after the 101 and earlier replies).
func (c *SConn) PingOnLoop(payload []byte) error {
	if !c.inCB {
		return c.Ping(payload)
	}
	out, err := c.sc.AppendPing(*c.out, payload)
	if err == nil {
		*c.out = out
	}
	return err
}

// CloseOnLoop is Close from the conn's loop goroutine: inside a callback
// the close frame joins the callback's writes, so it follows the 101 and
// the replies gathered before it.
func (c *SConn) CloseOnLoop(code int, reason string) error {
	if !c.inCB {
		return c.Close(code, reason)
	}
	out, err := c.sc.AppendClose(*c.out, code, reason)
	if err != nil {
		return err
	}
	*c.out = out
	rc := c.rc
	rc.Loop().AfterFunc(CloseGrace, func() { rc.Close() })
	return nil
}

// Finish writes the close frame an EvClose calls for and closes the TCP
// conn after it; safe for concurrent use.
func (c *SConn) Finish(ev Event) {
	if out := c.sc.AppendCloseFor(nil, ev); len(out) > 0 {
		c.tapOut(out)
		c.rc.AsyncWrite(out, nil)
	}
	c.rc.Close()
}

// FinishOnLoop is Finish inside a loop callback: the close frame joins the
// callback's writes and the conn closes after they are flushed.
func (c *SConn) FinishOnLoop(ev Event) {
	if !c.inCB {
		c.Finish(ev)
		return
	}
	*c.out = c.sc.AppendCloseFor(*c.out, ev)
	c.fin = true
}

// shandler is the server's reactor handler.
type shandler struct {
	reactor.BaseHandler
	s *Server
}

func (h *shandler) OnOpen(rc *reactor.Conn) reactor.Action {
	rc.SetContext(&SConn{rc: rc, sc: NewServerConn(&h.s.opts), srv: h.s})
	return reactor.None
}

// emit passes an event to the handlers and keeps the open set current.
func (c *SConn) emit(ev Event) {
	switch ev.Kind {
	case EvOpen:
		c.srv.mu.Lock()
		c.srv.conns[c] = struct{}{}
		c.srv.mu.Unlock()
	case EvClose:
		c.srv.mu.Lock()
		delete(c.srv.conns, c)
		c.srv.mu.Unlock()
	}
	c.srv.h.OnEvent(c, ev)
}

func (h *shandler) OnTraffic(rc *reactor.Conn) reactor.Action {
	c := rc.Context().(*SConn)
	if h.s.taps.Active() {
		c.tapIn()
	}
	return c.traffic()
}

// traffic feeds what the conn has buffered to the WebSocket side.
func (c *SConn) traffic() reactor.Action {
	rc := c.rc
	in, _ := rc.Peek(-1)
	c.beginCallback()
	used, done := c.sc.Feed(time.Now(), in, c.out, c.emit)
	rc.Discard(used)
	if f, ok := c.srv.h.(feedDoner); ok {
		f.FeedDone(c)
	}
	return c.endCallback(done)
}

// feedDoner is a Handler that wants to know when the events of one read
// have all been passed to OnEvent (the Lua binding runs them as a batch).
type feedDoner interface{ FeedDone(c *SConn) }

// beginCallback lends the conn its loop's scratch buffer.
func (c *SConn) beginCallback() {
	c.inCB = true
	c.behind = false
	c.out = c.srv.scratch[c.rc.Loop()]
	*c.out = (*c.out)[:0]
}

// endCallback writes what the callback gathered and re-arms the heartbeat.
func (c *SConn) endCallback(done bool) reactor.Action {
	c.inCB = false
	out := *c.out
	if cap(out) > 64<<10 {
		*c.out = nil // a burst's buffer is not kept
	}
	c.out = nil
	c.tapOut(out)
	async := c.behind && len(out) > 0
	if async {
		// Behind replies the script VM's goroutine handed to AsyncWrite
		// before this callback's Lua ran: a direct Write would overtake them.
		if c.rc.AsyncWrite(append([]byte(nil), out...), nil) != nil {
			return reactor.Close
		}
	} else if len(out) > 0 {
		if _, err := c.rc.Write(out); err != nil {
			return reactor.Close
		}
	}
	if c.fin || (done && c.sc.ws == nil) {
		// Our close is written, or the handshake was refused. Behind an
		// AsyncWrite the close must queue behind it too.
		if async {
			c.rc.Close()
			return reactor.None
		}
		return reactor.Close
	}
	c.arm()
	return reactor.None
}

// writeOnLoop writes out from the loop goroutine outside a callback: at
// once when nothing waits, else (async) as an AsyncWrite of a copy, behind
// the AsyncWrites the loop has not taken up yet, which a direct Write
// would overtake.
func (c *SConn) writeOnLoop(out []byte) (async bool, err error) {
	c.tapOut(out)
	if c.rc.OutboundBuffered() == 0 {
		_, err = c.rc.Write(out)
		return false, err
	}
	return true, c.rc.AsyncWrite(append([]byte(nil), out...), nil)
}

// arm sets the heartbeat timer to the next tick (loop goroutine).
func (c *SConn) arm() {
	next := c.sc.NextTick()
	if next.IsZero() {
		if c.timer != nil {
			c.timer.Stop()
		}
		return
	}
	d := max(time.Until(next), time.Millisecond)
	if c.timer == nil {
		c.timer = c.rc.Loop().AfterFunc(d, c.tick)
	} else {
		c.timer.Reset(d)
	}
}

func (c *SConn) tick() {
	c.beginCallback()
	done := c.sc.Tick(time.Now(), c.out, c.emit)
	if c.endCallback(done) == reactor.Close {
		c.rc.Close()
	}
}

func (h *shandler) OnClose(rc *reactor.Conn, err error) {
	h.s.taps.Closed(rc)
	rc.Context().(*SConn).closed(err)
}

// closed reports the end of the TCP conn (EvClose with 1006 unless a close
// was already reported).
func (c *SConn) closed(err error) {
	if c.timer != nil {
		c.timer.Stop()
	}
	why := "the peer closed the TCP conn without a close frame"
	if err != nil {
		why = err.Error()
	}
	c.sc.Lost(c.emit, why)
}
