package ws

import (
	"fmt"
	"strings"
	"testing"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
)

// peer is a client speaking to a ServerConn without sockets.
type peer struct {
	t      *testing.T
	s      *ServerConn
	cl     *wsc.Conn
	key    string
	events []string
	wire   []byte // bytes the server wrote, not yet read by the client
	later  []byte // close frames, written after what Feed returned
	done   bool
}

func (p *peer) emit(e Event) {
	p.later = p.s.AppendCloseFor(p.later, e) // as a binding does once the handlers ran
	switch e.Kind {
	case EvOpen:
		p.events = append(p.events, "open")
	case EvMessage:
		p.events = append(p.events, fmt.Sprintf("msg:%v:%s", e.Binary, e.Data))
	case EvClose:
		p.events = append(p.events, fmt.Sprintf("close:%d:%s", e.Code, e.Reason))
	}
}

// feed gives the server b (in two pieces, to exercise partial input).
func (p *peer) feed(now time.Time, b []byte) {
	var buf []byte
	for _, piece := range [][]byte{b[:len(b)/2], b[len(b)/2:]} {
		buf = append(buf, piece...)
		var out []byte
		used, done := p.s.Feed(now, buf, &out, p.emit)
		buf = buf[used:]
		p.wire = append(append(p.wire, out...), p.later...)
		p.later = nil
		p.done = p.done || done
	}
	if len(buf) != 0 && !p.done {
		p.t.Fatalf("%d bytes left unconsumed", len(buf))
	}
}

// read decodes what the server wrote, as the client.
func (p *peer) read() []string {
	var got []string
	for {
		m, n, err := p.cl.Decode(p.wire)
		if err != nil {
			p.t.Fatalf("client decode: %v", err)
		}
		if m.Kind == wsc.KindNone && n == 0 {
			return got
		}
		p.wire = p.wire[n:]
		if m.Kind == wsc.KindClose {
			got = append(got, fmt.Sprintf("close:%d:%s", m.Code, m.Reason))
		} else if m.Kind != wsc.KindNone {
			got = append(got, m.Kind.String()+":"+string(m.Data))
		}
	}
}

func connect(t *testing.T, opts *ServerOptions, extra string) *peer {
	p := &peer{t: t, s: NewServerConn(opts), cl: wsc.NewConn(wsc.Client, wsc.Config{}), key: wsc.NewKey()}
	req := wsc.AppendRequest(nil, wsc.ClientRequest{Host: "127.0.0.1", Path: "/chat", Key: p.key, Protocols: []string{"v1", "v2"}})
	req = append(req[:len(req)-2], extra+"\r\n"...)
	p.feed(t0, req)
	return p
}

func (p *peer) acceptHead() *wsc.Head {
	h, n, err := wsc.ParseResponseHead(p.wire, 0)
	if err != nil || h == nil {
		p.t.Fatalf("no response head: %v %q", err, p.wire)
	}
	p.wire = p.wire[n:]
	return h
}

func TestServerConnEcho(t *testing.T) {
	p := connect(t, &ServerOptions{Subprotocols: []string{"v2"}, KeepRequest: true}, "")
	h := p.acceptHead()
	if proto, _, err := wsc.CheckResponse(h, p.key, []string{"v1", "v2"}); err != nil || proto != "v2" || p.s.Req.Target != "/chat" {
		t.Fatalf("handshake: %q %v target %q", proto, err, p.s.Req.Target)
	}
	var in []byte
	in, _ = p.cl.AppendText(in, []byte("hello"))
	in, _ = p.cl.AppendFragment(in, wsc.OpBinary, []byte("bi"), false)
	in, _ = p.cl.AppendPing(in, []byte("p"))
	in, _ = p.cl.AppendFragment(in, wsc.OpContinuation, []byte("n"), true)
	in, _ = p.cl.AppendClose(in, 4000, "bye")
	p.feed(t0, in)
	if got := strings.Join(p.events, " "); got != "open msg:false:hello msg:true:bin close:4000:bye" || !p.done {
		t.Fatalf("events %s done %v", got, p.done)
	}
	if got := strings.Join(p.read(), " "); got != "pong:p close:4000:" {
		t.Fatalf("server wrote %s", got)
	}
	if _, err := p.s.AppendMessage(nil, []byte("late"), false); err != ErrNotOpen {
		t.Fatalf("send after close: %v", err)
	}
}

func TestServerConnFailsWithCode(t *testing.T) {
	p := connect(t, &ServerOptions{MaxMessage: 4}, "")
	p.acceptHead()
	in, _ := p.cl.AppendText(nil, []byte("too long"))
	p.feed(t0, in)
	if got := p.events[len(p.events)-1]; !strings.HasPrefix(got, "close:1009:ws: 1009 message too big") || !p.done {
		t.Fatalf("last event %s", got)
	}
	if got := p.read(); len(got) != 1 || !strings.HasPrefix(got[0], "close:1009:message of 8 bytes > max_message 4") {
		t.Fatalf("server wrote %q", got)
	}
}

func TestServerConnRefusesBadVersion(t *testing.T) {
	p := &peer{t: t, s: NewServerConn(&ServerOptions{})}
	p.feed(t0, []byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"))
	if !p.done || len(p.events) != 0 || !strings.HasPrefix(string(p.wire), "HTTP/1.1 426 Upgrade Required\r\n") {
		t.Fatalf("done %v events %v wrote %q", p.done, p.events, p.wire)
	}
}

func TestServerConnHeartbeat(t *testing.T) {
	p := connect(t, &ServerOptions{PingInterval: 2 * time.Second, PingTimeout: time.Second}, "")
	p.acceptHead()
	if next := p.s.NextTick(); !next.Equal(at(2 * time.Second)) {
		t.Fatalf("first tick %v", next.Sub(t0))
	}
	var out []byte
	done := p.s.Tick(at(2*time.Second), &out, p.emit)
	p.wire = append(p.wire, out...)
	got := p.read()
	if done || len(got) != 1 || !strings.HasPrefix(got[0], "ping:") {
		t.Fatalf("tick wrote %q done %v", got, done)
	}
	// The client answers (any frame would do) and stays.
	pong, _ := p.cl.AppendPong(nil, []byte(strings.TrimPrefix(got[0], "ping:")))
	p.feed(at(2500*time.Millisecond), pong)
	if done := p.s.Tick(at(3*time.Second), new([]byte), p.emit); done {
		t.Fatal("answered conn declared dead")
	}
	// Then it goes silent: the next ping at 4 s, dead at 5 s.
	out = nil
	p.s.Tick(at(4*time.Second), &out, p.emit)
	p.wire = append(p.wire, out...)
	out = nil
	done = p.s.Tick(at(5*time.Second), &out, p.emit)
	p.wire = append(append(p.wire, out...), p.later...)
	if !done || !strings.HasPrefix(p.events[len(p.events)-1], "close:1001:ping timeout") {
		t.Fatalf("done %v events %v", done, p.events)
	}
	if got := p.read(); got[len(got)-1] != "close:1001:ping timeout" {
		t.Fatalf("server wrote %q", got)
	}
}

func TestServerConnLost(t *testing.T) {
	p := connect(t, &ServerOptions{}, "")
	p.s.Lost(p.emit, "read: connection reset by peer")
	p.s.Lost(p.emit, "again")
	if got := strings.Join(p.events, " "); got != "open close:1006:read: connection reset by peer" {
		t.Fatalf("events %s", got)
	}
}

// TestServerConnAccept takes over after another parser read the request,
// as an HTTP server handing a conn over would.
func TestServerConnAccept(t *testing.T) {
	cl := wsc.NewConn(wsc.Client, wsc.Config{})
	key := wsc.NewKey()
	req := wsc.AppendRequest(nil, wsc.ClientRequest{Host: "127.0.0.1", Path: "/up", Key: key})
	head, _, err := wsc.ParseRequestHead(req, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{t: t, s: NewServerConn(&ServerOptions{}), cl: cl, key: key}
	var out []byte
	if refused := p.s.Accept(t0, head, &out, p.emit); refused {
		t.Fatalf("refused: %q", out)
	}
	p.wire = out
	h := p.acceptHead()
	if _, _, err := wsc.CheckResponse(h, key, nil); err != nil || p.s.Path != "/up" {
		t.Fatalf("101: %v, path %q", err, p.s.Path)
	}
	msg, _ := cl.AppendText(nil, []byte("after the hand-over"))
	p.feed(t0, msg)
	if got := strings.Join(p.events, " "); got != "open msg:false:after the hand-over" {
		t.Fatalf("events %s", got)
	}
	// A bad version is refused with 426, as Feed would.
	bad, _, err := wsc.ParseRequestHead([]byte("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+key+"\r\nSec-WebSocket-Version: 7\r\n\r\n"), 0)
	if err != nil {
		t.Fatal(err)
	}
	out = nil
	if refused := NewServerConn(&ServerOptions{}).Accept(t0, bad, &out, func(Event) {}); !refused || !strings.HasPrefix(string(out), "HTTP/1.1 426") {
		t.Fatalf("version 7: refused=%v %q", refused, out)
	}
}
