package tap

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Set is the taps attached to one source: a listener of any module (net,
// http, ws) or a dialed conn. The zero value has none, and then the hooks
// cost one atomic load per read and per write; a nil *Set is a Set with
// no taps, so a source without taps needs no Set at all.
type Set struct {
	mu   sync.Mutex // serializes Add and Remove
	list atomic.Pointer[[]*Tap]
}

// Active reports whether a tap is attached: the one check on a hot path.
func (s *Set) Active() bool { return s != nil && s.list.Load() != nil }

// Add attaches t.
func (s *Set) Add(t *Tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l []*Tap
	if old := s.list.Load(); old != nil {
		l = append(l, *old...)
	}
	l = append(l, t)
	s.list.Store(&l)
}

// Remove detaches t; removing a tap not attached is a no-op.
func (s *Set) Remove(t *Tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.list.Load()
	if old == nil {
		return
	}
	var l []*Tap
	for _, x := range *old {
		if x != t {
			l = append(l, x)
		}
	}
	if len(l) == 0 {
		s.list.Store(nil)
	} else {
		s.list.Store(&l)
	}
}

// Emit hands ev to every attached tap.
func (s *Set) Emit(ev Event) {
	if s == nil {
		return
	}
	if l := s.list.Load(); l != nil {
		for _, t := range *l {
			t.Emit(ev)
		}
	}
}

// Endpoint is what a tap needs of a conn (a *reactor.Conn is one).
type Endpoint interface {
	ID() uint64
	Network() string
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}

// Out reports b written to c; ws says the conn speaks WebSocket once its
// HTTP head is done (see Event.WS). Call it only when Active: it stamps
// the time.
func (s *Set) Out(c Endpoint, b []byte, ws bool) {
	ev := ConnEvent(c, Out, b)
	ev.WS = ws
	s.Emit(ev)
}

// Closed marks the end of c for the taps (a FIN in a pcap file).
func (s *Set) Closed(c Endpoint) {
	if !s.Active() {
		return
	}
	if l := s.list.Load(); l != nil {
		ev := ConnEvent(c, Out, nil)
		for _, t := range *l {
			t.ConnClosed(ev)
		}
	}
}

// Reader follows which inbound bytes of one conn the taps have seen, by
// the conn's count of bytes read, so that it needs no hook where the bytes
// are consumed: the bytes new since the last call are the last ones in
// the buffer. The zero value has seen nothing. Loop goroutine of the conn.
type Reader struct{ seen uint64 }

// In reports the bytes of buf (all the conn has buffered) that arrived
// since the last call; bytesIn is the conn's count of bytes read so far;
// ws says they are WebSocket frames (see Event.WS). A tap attached
// mid-stream first shows what is buffered.
func (r *Reader) In(s *Set, c Endpoint, buf []byte, bytesIn uint64, ws bool) {
	n := bytesIn - r.seen
	r.seen = bytesIn
	if n == 0 || len(buf) == 0 {
		return
	}
	if n > uint64(len(buf)) {
		n = uint64(len(buf))
	}
	ev := ConnEvent(c, In, buf[len(buf)-int(n):])
	ev.WS = ws
	s.Emit(ev)
}

// ConnEvent is an event of c now.
func ConnEvent(c Endpoint, d Dir, b []byte) Event {
	ev := Event{Time: time.Now(), Dir: d, ConnID: c.ID(), Data: b,
		Local: AddrPort(c.LocalAddr()), Remote: AddrPort(c.RemoteAddr())}
	switch n := c.Network(); {
	case strings.HasPrefix(n, "udp"):
		ev.Network = "udp"
	case strings.HasPrefix(n, "unix"):
		ev.Network = "unix"
	default:
		ev.Network = "tcp"
	}
	return ev
}

// AddrPort is a's address and port, IPv4 shown as such (not ::ffff:…);
// invalid for addresses without a port (Unix sockets).
func AddrPort(a net.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch x := a.(type) {
	case *net.TCPAddr:
		ap = x.AddrPort()
	case *net.UDPAddr:
		ap = x.AddrPort()
	default:
		return ap
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Source is a Lua value net.tap can attach to (an http or ws server or
// conn; net's own servers and conns are handled by net): its Set, and the
// conn id when it is one conn (0: every conn of the Set).
type Source interface {
	TapSource() (s *Set, conn uint64, err error)
}
