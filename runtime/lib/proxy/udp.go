package proxy

import (
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// This file holds the udp:// proxy: one session per client address, each
// with a connected UDP socket to the upstream on the listener's loop.
// Datagrams can be lost, duplicated and reordered, which a byte stream
// cannot be.

// maxPending bounds the datagrams kept while a session's upstream socket
// is being set up.
const maxPending = 64

// udpFront handles datagrams arriving at the proxy's UDP listener. The
// sessions map is used on the listener's loop only.
type udpFront struct {
	reactor.BaseHandler
	p        *Proxy
	sessions map[string]*session
}

// session is one client address talking through the proxy.
type session struct {
	p       *Proxy
	front   *udpFront
	id      uint64
	key     string
	lp      *reactor.Loop
	client  *reactor.Conn // the client's latest datagram: replies go out through it
	server  *reactor.Conn
	back    udpBack
	pending [][]byte
	up      dgramPipe
	down    dgramPipe
	u       float64
	rng     *rand.Rand
	own     atomic.Pointer[Faults]
	opened  time.Time
	remote  net.Addr
	srvAdr  atomic.Pointer[net.Addr]
	last    time.Time
	idle    *reactor.Timer
	ended   bool
	reason  error
}

// udpBack handles a session's upstream socket.
type udpBack struct {
	reactor.BaseHandler
	s *session
}

// dgramPipe is one direction of a session.
type dgramPipe struct {
	s         *session
	dir       Stream
	held      []byte // a datagram held back by reorder
	heldTimer *reactor.Timer
	inflight  atomic.Int64 // bytes waiting in latency timers
	forwarded atomic.Uint64
}

func (h *udpFront) OnTraffic(c *reactor.Conn) reactor.Action {
	p := h.p
	b, _ := c.Next(-1)
	if p.faults.Load().Down {
		return reactor.None
	}
	if h.sessions == nil {
		h.sessions = make(map[string]*session)
	}
	key := c.RemoteAddr().String()
	s := h.sessions[key]
	if s == nil {
		if s = h.open(c, key); s == nil || s.ended {
			return reactor.None
		}
	}
	s.client = c
	s.last = time.Now()
	if s.server == nil {
		if len(s.pending) < maxPending {
			s.pending = append(s.pending, append([]byte(nil), b...))
		}
		return reactor.None
	}
	s.up.send(b)
	return reactor.None
}

// open starts a session for a new client address.
func (h *udpFront) open(c *reactor.Conn, key string) *session {
	p := h.p
	s := &session{p: p, front: h, id: c.ID(), key: key, lp: c.Loop(), client: c, opened: time.Now(), remote: c.RemoteAddr()}
	s.back.s = s
	s.up = dgramPipe{s: s, dir: Upstream}
	s.down = dgramPipe{s: s, dir: Downstream}
	ok := p.admit(s.id, s, func(u float64, seed uint64) {
		s.u, s.rng = u, rand.New(rand.NewPCG(seed, seed>>1|1))
	})
	if !ok {
		return nil
	}
	h.sessions[key] = s
	s.idle = s.lp.AfterFunc(p.cfg.UDPIdle, s.checkIdle)
	p.decide(s.info(), s.lp, s.decided)
	return s
}

// decided runs on the session's loop once its own faults are known: it
// refuses the session or opens its upstream socket.
func (s *session) decided(own *Faults, err error) {
	p := s.p
	if s.ended {
		return
	}
	if err != nil {
		s.end(err)
		return
	}
	s.own.Store(own)
	if own == nil && s.u < p.faults.Load().toxicity() {
		p.st.affected.Add(1)
	}
	if f := s.faults(); f != nil && f.Down {
		p.st.refused.Add(1)
		s.end(ErrDown)
		return
	}
	var dc reactor.DialConfig
	dc.Loop = s.lp
	dc.Timeout = p.cfg.DialTimeout
	p.eng.DialAsync(p.upstream, &s.back, dc, s.dialed)
}

func (s *session) dialed(c *reactor.Conn, err error) {
	if err != nil {
		s.p.st.dialErrors.Add(1)
		s.end(err)
		return
	}
	if s.ended {
		c.Close()
		return
	}
	a := c.RemoteAddr()
	s.srvAdr.Store(&a)
	s.server = c
	for _, b := range s.pending {
		s.up.send(b)
	}
	s.pending = nil
}

func (h *udpBack) OnTraffic(c *reactor.Conn) reactor.Action {
	b, _ := c.Next(-1)
	h.s.last = time.Now()
	h.s.down.send(b)
	return reactor.None
}

func (h *udpBack) OnClose(c *reactor.Conn, err error) {
	h.s.server = nil
	h.s.end(err)
}

// checkIdle ends a session that saw no datagram for UDPIdle.
func (s *session) checkIdle() {
	if s.ended {
		return
	}
	idle := s.p.cfg.UDPIdle
	if since := time.Since(s.last); since < idle {
		s.idle.Reset(idle - since)
		return
	}
	s.end(ErrIdle)
}

// faults returns the faults in force for the session, nil for none.
func (s *session) faults() *Faults { return s.p.resolve(s.own.Load(), s.u) }

// end closes the session once.
func (s *session) end(reason error) {
	if s.ended {
		return
	}
	s.ended = true
	s.reason = reason
	if s.front.sessions[s.key] == s {
		delete(s.front.sessions, s.key)
	}
	for _, t := range []*reactor.Timer{s.idle, s.up.heldTimer, s.down.heldTimer} {
		if t != nil {
			t.Stop()
		}
	}
	if s.server != nil {
		s.server.Close()
	}
	s.p.forget(s.id)
	if s.p.cfg.OnClose != nil {
		s.p.cfg.OnClose(s.info(), reason)
	}
}

func (s *session) loop() *reactor.Loop { return s.lp }

func (s *session) apply() {
	if f := s.faults(); f != nil && f.Down && !s.ended {
		s.p.st.refused.Add(1)
		s.end(ErrDown)
	}
}

func (s *session) cut(reason error) {
	if !s.ended {
		s.p.st.cut.Add(1)
		s.end(reason)
	}
}

func (s *session) setOwn(f *Faults) { s.own.Store(f) }

func (s *session) buffered() int {
	return int(s.up.inflight.Load() + s.down.inflight.Load())
}

func (s *session) info() ConnInfo {
	ci := ConnInfo{
		ID: s.id, Client: s.remote, OpenedAt: s.opened,
		BytesUp: s.up.forwarded.Load(), BytesDown: s.down.forwarded.Load(),
		Buffered: s.buffered(), Own: s.own.Load() != nil,
	}
	if a := s.srvAdr.Load(); a != nil {
		ci.Upstream = *a
	}
	ci.Affected = ci.Own || s.u < s.p.faults.Load().toxicity()
	ci.Faults = "none"
	if f := s.faults(); f != nil {
		ci.Faults = f.String()
	}
	return ci
}

// send takes one datagram of this direction through the faults. The
// random draws happen for every datagram in a fixed order, so a seed
// replays the same fates.
func (dp *dgramPipe) send(b []byte) {
	s := dp.s
	if s.ended {
		return
	}
	st := &s.p.st
	f := s.faults()
	if f == nil || !f.Stream.has(dp.dir) {
		dp.deliver(b, nil)
		return
	}
	lose, dup, hold := s.rng.Float64() < f.Loss, s.rng.Float64() < f.Duplicate, s.rng.Float64() < f.Reorder
	if lose {
		st.lost.Add(1)
		return
	}
	copies := 1
	if dup {
		st.duplicated.Add(1)
		copies = 2
	}
	if hold && dp.held == nil {
		st.reordered.Add(1)
		dp.held = append([]byte(nil), b...)
		if copies == 2 {
			dp.deliver(b, f) // one copy now, the other after the next datagram
		}
		wait := f.Latency + f.Jitter + 10*time.Millisecond
		if dp.heldTimer == nil {
			dp.heldTimer = s.lp.AfterFunc(wait, dp.release)
		} else {
			dp.heldTimer.Reset(wait)
		}
		return
	}
	for i := 0; i < copies; i++ {
		dp.deliver(b, f)
	}
	dp.release()
}

// release sends a datagram held back by reorder.
func (dp *dgramPipe) release() {
	if dp.held == nil || dp.s.ended {
		return
	}
	b := dp.held
	dp.held = nil
	if dp.heldTimer != nil {
		dp.heldTimer.Stop()
	}
	dp.deliver(b, dp.s.faults())
}

// deliver sends b after the latency of f (datagrams may overtake each
// other under jitter, as on a real network).
func (dp *dgramPipe) deliver(b []byte, f *Faults) {
	s := dp.s
	var d time.Duration
	if f != nil && f.Stream.has(dp.dir) {
		d = f.Latency
		if f.Jitter > 0 {
			d += time.Duration(s.rng.Int64N(2*int64(f.Jitter)+1)) - f.Jitter
		}
	}
	if d <= 0 {
		dp.out(b)
		return
	}
	if int(dp.inflight.Load())+len(b) > s.p.cfg.MaxBuffer {
		s.p.st.dropped.Add(uint64(len(b))) // a full queue drops, as a router's would
		return
	}
	cp := append([]byte(nil), b...)
	dp.inflight.Add(int64(len(cp)))
	s.p.notePeak(int(dp.inflight.Load()))
	s.p.st.delayed.Add(1)
	s.lp.AfterFunc(d, func() {
		dp.inflight.Add(-int64(len(cp)))
		if !s.ended {
			dp.out(cp)
		}
	})
}

// out writes one datagram to this direction's destination.
func (dp *dgramPipe) out(b []byte) {
	s := dp.s
	dst := s.client
	if dp.dir == Upstream {
		dst = s.server
	}
	if dst == nil {
		return
	}
	if n, err := dst.Write(b); err == nil {
		dp.forwarded.Add(uint64(n))
		if dp.dir == Upstream {
			s.p.st.bytesUp.Add(uint64(n))
		} else {
			s.p.st.bytesDown.Add(uint64(n))
		}
	}
}
