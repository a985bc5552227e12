package ws

import (
	"errors"
	"strings"
	"sync"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
)

// ServerOptions configures the server side of ws.listen. The zero value
// accepts any path, messages up to 1 MiB, no subprotocol, no compression
// and no heartbeat.
type ServerOptions struct {
	// MaxMessage is the longest message accepted (Lua max_message); 0
	// means wsc.DefaultMaxMessage.
	MaxMessage int64
	// Subprotocols the server speaks, preferred first (Lua subprotocols).
	Subprotocols []string
	// Deflate accepts permessage-deflate when a client offers it.
	Deflate bool
	// PingInterval pings each conn this often; a conn that sends nothing
	// within PingTimeout after a ping is closed (Lua ping_interval,
	// ping_timeout). 0 disables.
	PingInterval, PingTimeout time.Duration
	// KeepRequest keeps each conn's upgrade request (Req) after the
	// handshake, for handlers that read its headers; without it only the
	// path is kept, so an idle conn stays small.
	KeepRequest bool
}

// EventKind says what an [Event] is.
type EventKind uint8

// Event kinds, in the order a conn meets them.
const (
	EvOpen    EventKind = iota + 1 // the handshake is done: on_open(c, req)
	EvMessage                      // a text or binary message: on_message(c, msg, kind)
	EvClose                        // the conn is ending: on_close(c, code, reason)
)

// Event is what a [ServerConn] reports to the handlers.
type Event struct {
	Kind   EventKind
	Binary bool   // EvMessage: binary rather than text
	Data   []byte // EvMessage: valid until the next Feed
	// EvClose: the peer's close code and reason; or, when netplay failed
	// the conn, the code it sends (1002, 1007, 1009, 1001 for a dead peer)
	// and the error text; 1006 when the TCP conn ended without a close.
	Code   int
	Reason string
	// EvClose: the close frame still to be written, by AppendCloseFor,
	// after every message before it was handled (so replies to those go
	// out first): 0 for none (the TCP conn is gone, or our close was
	// already sent), else the code to send; sendReason is its reason.
	sendCode   int
	sendReason string
}

// ServerConn is the server side of one WebSocket conn, from the first byte
// of the upgrade request to the close, without I/O: the conn's loop feeds
// it what it reads and writes what Feed appends. Feed and Tick run on the
// conn's loop; the Append methods may be called from any goroutine (the
// script VM's c:send) and are serialised by a mutex.
type ServerConn struct {
	opts *ServerOptions
	Req  *wsc.Head // the upgrade request, once it arrived, with KeepRequest
	Path string    // the request target
	// Protocol is the subprotocol chosen in the handshake, or "".
	Protocol string

	ws     *wsc.Conn // nil until the handshake is done
	hb     heartbeat
	ended  bool // EvClose was reported
	encode sync.Mutex
}

// NewServerConn returns the state of a freshly accepted conn.
func NewServerConn(opts *ServerOptions) *ServerConn { return &ServerConn{opts: opts} }

// Open reports whether the handshake is done and no close was reported.
func (s *ServerConn) Open() bool { return s.ws != nil && !s.ended }

// Feed consumes what it can of in (all bytes buffered so far) at now and
// returns how many bytes it used. It appends to *out what must be written
// now: the 101 (or the refusal) and pongs; emit is called for each event
// in order and may append to *out too (replies written inline). done
// means: write *out; after EvClose was handled, write its close frame
// (AppendCloseFor) and close the TCP conn.
func (s *ServerConn) Feed(now time.Time, in []byte, outp *[]byte, emit func(Event)) (used int, done bool) {
	used, *outp, done = s.feed(now, in, *outp, outp, emit)
	return used, done
}

// feed is Feed with out as a value; emit may append to *outp meanwhile
// (a handler's replies), so out is re-read from it after each emit.
func (s *ServerConn) feed(now time.Time, in, out []byte, outp *[]byte, emit func(Event)) (used int, _ []byte, done bool) {
	call := func(ev Event) {
		*outp = out
		emit(ev)
		out = *outp
	}
	if s.ended {
		return len(in), out, true
	}
	if s.ws == nil {
		head, n, err := wsc.ParseRequestHead(in, 0)
		if err != nil {
			s.ended = true
			return len(in), append(out, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"...), true
		}
		if head == nil {
			return 0, out, false
		}
		var refused bool
		if out, refused = s.upgrade(now, head, out); refused {
			s.ended = true
			return len(in), out, true
		}
		used = n
		call(Event{Kind: EvOpen})
	}
	for {
		m, n, err := s.ws.Decode(in[used:])
		if err != nil {
			var ce *wsc.CloseError
			errors.As(err, &ce)
			s.end(call, Event{Kind: EvClose, Code: ce.Code, Reason: err.Error(), sendCode: ce.Code, sendReason: ce.Reason})
			return len(in), out, true
		}
		if m.Kind == wsc.KindNone && n == 0 {
			return used, out, false
		}
		used += n
		if m.Kind != wsc.KindNone {
			s.hb.received()
		}
		switch m.Kind {
		case wsc.KindText, wsc.KindBinary:
			call(Event{Kind: EvMessage, Binary: m.Kind == wsc.KindBinary, Data: m.Data})
		case wsc.KindPing:
			s.encode.Lock()
			out, _ = s.ws.AppendPong(out, m.Data) // fails only after our close: then no pong is due
			s.encode.Unlock()
		case wsc.KindPong:
			s.hb.pong(now, m.Data)
		case wsc.KindClose:
			reply := m.Code // echoed, RFC 6455 section 5.5.1
			if reply == wsc.CloseNoStatus {
				reply = -1 // an empty close frame
			}
			s.end(call, Event{Kind: EvClose, Code: m.Code, Reason: m.Reason, sendCode: reply})
			return len(in), out, true
		}
	}
}

// Accept takes over a conn whose upgrade request another parser already
// read (an HTTP server handing a conn over): it checks head as Feed would,
// appends the 101 or the refusal to *out and, on success, emits EvOpen;
// Feed then reads the frames that follow. refused means: write *out and
// close the conn. Loop goroutine only.
func (s *ServerConn) Accept(now time.Time, head *wsc.Head, out *[]byte, emit func(Event)) (refused bool) {
	if s.ws != nil || s.ended {
		return true
	}
	if *out, refused = s.upgrade(now, head, *out); refused {
		s.ended = true
		return true
	}
	emit(Event{Kind: EvOpen})
	return false
}

// upgrade validates the request and appends the 101 or the refusal.
func (s *ServerConn) upgrade(now time.Time, head *wsc.Head, out []byte) (_ []byte, refused bool) {
	up, err := wsc.CheckUpgrade(head.Method, head)
	if err != nil {
		var he *wsc.HandshakeError
		errors.As(err, &he)
		return he.AppendResponse(out), true
	}
	cfg := wsc.Config{MaxMessage: s.opts.MaxMessage}
	ext := ""
	if s.opts.Deflate {
		if p, answer, ok := wsc.AcceptDeflate(up.Extensions, wsc.DeflateConfig{}); ok {
			cfg.Deflate, ext = &p, answer
		}
	}
	s.Path = strings.Clone(head.Target) // not a view into the whole head
	if s.opts.KeepRequest {
		s.Req = head
	}
	s.Protocol = wsc.SelectSubprotocol(up.Protocols, s.opts.Subprotocols)
	s.encode.Lock() // the Append methods read s.ws from other goroutines
	s.ws = wsc.NewConn(wsc.Server, cfg)
	s.encode.Unlock()
	s.hb = newHeartbeat(HeartbeatConfig{Interval: s.opts.PingInterval, Timeout: s.opts.PingTimeout}, now)
	return wsc.AppendAccept(out, up.Key, s.Protocol, ext), false
}

func (s *ServerConn) end(emit func(Event), ev Event) {
	if !s.ended {
		s.ended = true
		emit(ev)
	}
}

// Lost reports that the TCP conn ended (reset, EOF, error) and emits
// EvClose with 1006 unless a close was already reported.
func (s *ServerConn) Lost(emit func(Event), why string) {
	if s.ws != nil {
		s.end(emit, Event{Kind: EvClose, Code: wsc.CloseAbnormal, Reason: why})
	}
	s.ended = true
}

// AppendCloseFor appends the close frame an EvClose calls for (nothing if
// none is due or ours was sent already). Safe for concurrent use.
func (s *ServerConn) AppendCloseFor(out []byte, ev Event) []byte {
	switch {
	case ev.sendCode == 0:
		return out
	case ev.sendCode < 0:
		return s.appendClose(out, 0, "")
	}
	return s.appendClose(out, ev.sendCode, ev.sendReason)
}

// NextTick returns when Tick should run; zero when no heartbeat runs.
func (s *ServerConn) NextTick() time.Time {
	if !s.Open() {
		return time.Time{}
	}
	return s.hb.next()
}

// Tick runs the heartbeat at now: it appends a ping to *out when one is due, or,
// for a peer silent past the timeout, reports EvClose with 1001; done then
// means write its close frame (AppendCloseFor) and close the TCP conn.
func (s *ServerConn) Tick(now time.Time, out *[]byte, emit func(Event)) (done bool) {
	if !s.Open() {
		return false
	}
	ping, _, dead := s.hb.tick(now)
	if dead {
		s.end(emit, Event{Kind: EvClose, Code: wsc.CloseGoingAway,
			Reason:   "ping timeout: nothing received for " + s.hb.cfg.Timeout.String() + " after a ping",
			sendCode: wsc.CloseGoingAway, sendReason: "ping timeout"})
		return true
	}
	if ping != nil {
		s.encode.Lock()
		*out, _ = s.ws.AppendPing(*out, ping)
		s.encode.Unlock()
	}
	return false
}

func (s *ServerConn) appendClose(out []byte, code int, reason string) []byte {
	s.encode.Lock()
	defer s.encode.Unlock()
	out, _ = s.ws.AppendClose(out, code, reason) // our codes and reasons are valid; nothing after our close
	return out
}

// ErrNotOpen is returned by the Append methods before the handshake and
// after the close.
var ErrNotOpen = errors.New("ws: conn is not open")

// AppendMessage appends a text or binary message (c:send, c:send_binary).
// Safe for concurrent use.
func (s *ServerConn) AppendMessage(out, msg []byte, binary bool) ([]byte, error) {
	s.encode.Lock()
	defer s.encode.Unlock()
	if s.ws == nil || s.ws.CloseSent() {
		return out, ErrNotOpen
	}
	if binary {
		return s.ws.AppendBinary(out, msg)
	}
	return s.ws.AppendText(out, msg)
}

// AppendPing appends a ping (c:ping). Safe for concurrent use.
func (s *ServerConn) AppendPing(out, payload []byte) ([]byte, error) {
	s.encode.Lock()
	defer s.encode.Unlock()
	if s.ws == nil || s.ws.CloseSent() {
		return out, ErrNotOpen
	}
	return s.ws.AppendPing(out, payload)
}

// AppendClose appends our close frame (c:close(code, reason)); the conn
// then waits for the peer's close (or closes TCP after a grace period,
// the binding's call). Safe for concurrent use.
func (s *ServerConn) AppendClose(out []byte, code int, reason string) ([]byte, error) {
	s.encode.Lock()
	defer s.encode.Unlock()
	if s.ws == nil || s.ws.CloseSent() {
		return out, ErrNotOpen
	}
	return s.ws.AppendClose(out, code, reason)
}
