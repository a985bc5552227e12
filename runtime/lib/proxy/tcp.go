package proxy

import (
	"math/rand/v2"
	"net"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// This file holds a relayed stream conn: the pair of client and upstream
// conns, their handlers and their lifecycle. Everything here runs on the
// pair's loop goroutine unless a comment says otherwise.

// Pause reasons of a conn; reading stops while any is set.
const (
	pauseDial     = 1 << iota // the upstream is still connecting
	pausePressure             // the pipe this conn feeds is full
)

// pair is one relayed conn: client and upstream on one loop.
type pair struct {
	p      *Proxy
	id     uint64
	lp     *reactor.Loop
	client *reactor.Conn
	server *reactor.Conn // nil until the dial completes
	back   tcpBack
	up     pipe // client -> server
	down   pipe // server -> client
	u      float64
	rng    *rand.Rand
	opened time.Time
	remote net.Addr
	srvAdr atomic.Pointer[net.Addr]
	own    atomic.Pointer[Faults]

	clientPause, serverPause int
	clientClosed             bool
	serverClosed             bool
	dialing                  bool // the upstream dial was started
	dialDone                 bool // and has finished
	ended                    bool
	reason                   error // why the pair is closing, the first one wins
	timeout                  *reactor.Timer
	timeoutFor               time.Duration
}

// tcpFront handles the listener's (client) conns.
type tcpFront struct {
	reactor.BaseHandler
	p *Proxy
}

// tcpBack handles one pair's upstream conn.
type tcpBack struct {
	reactor.BaseHandler
	pr *pair
}

func (h *tcpFront) OnOpen(c *reactor.Conn) reactor.Action {
	p := h.p
	pr := &pair{p: p, id: c.ID(), lp: c.Loop(), client: c, opened: time.Now(), remote: c.RemoteAddr()}
	pr.back.pr = pr
	pr.up = pipe{pr: pr, dir: Upstream}
	pr.down = pipe{pr: pr, dir: Downstream}
	pr.down.dstc.Store(c)
	ok := p.admit(pr.id, pr, func(u float64, seed uint64) {
		pr.u, pr.rng = u, rand.New(rand.NewPCG(seed, seed>>1|1))
	})
	if !ok {
		return reactor.Close
	}
	c.SetContext(pr)
	if f := p.faults.Load(); f.Down {
		pr.reason = ErrDown // refused while the listener closes
		p.st.refused.Add(1)
		return reactor.Close
	}
	pr.setPause(c, pauseDial, true)
	p.decide(pr.info(), pr.lp, pr.decided)
	return reactor.None
}

// decided runs on the pair's loop once the conn's own faults are known
// (Config.OnOpen or OnOpenAsync): it refuses the conn or dials upstream.
func (pr *pair) decided(own *Faults, err error) {
	p := pr.p
	if pr.ended || pr.clientClosed {
		return // sideClosed ended the pair
	}
	if err != nil {
		pr.setReason(err)
		pr.client.Close()
		return
	}
	pr.own.Store(own)
	if own == nil && pr.u < p.faults.Load().toxicity() {
		p.st.affected.Add(1)
	}
	if f := pr.faults(); f != nil && f.Down {
		pr.setReason(ErrDown)
		p.st.refused.Add(1)
		pr.client.Close()
		return
	}
	pr.dialing = true
	var dc reactor.DialConfig
	dc.Loop = pr.lp
	dc.HalfClose = true
	dc.Timeout = p.cfg.DialTimeout
	p.eng.DialAsync(p.upstream, &pr.back, dc, pr.dialed)
}

func (h *tcpFront) OnTraffic(c *reactor.Conn) reactor.Action {
	pr := c.Context().(*pair)
	if pr.server == nil {
		return reactor.None // keep the bytes until the upstream is there
	}
	b, _ := c.Next(-1)
	pr.up.push(b)
	pr.up.tryFinish() // an EOF read while the upstream was dialing goes on after the bytes before it
	return reactor.None
}

func (h *tcpFront) OnWritable(c *reactor.Conn) reactor.Action {
	c.Context().(*pair).down.writable()
	return reactor.None
}

func (h *tcpFront) OnReadEOF(c *reactor.Conn) reactor.Action {
	pr := c.Context().(*pair)
	pr.up.eof = true
	pr.up.tryFinish()
	return reactor.None
}

func (h *tcpFront) OnClose(c *reactor.Conn, err error) {
	if pr, ok := c.Context().(*pair); ok {
		pr.sideClosed(true, err)
	}
}

func (h *tcpBack) OnTraffic(c *reactor.Conn) reactor.Action {
	b, _ := c.Next(-1)
	h.pr.down.push(b)
	return reactor.None
}

func (h *tcpBack) OnWritable(c *reactor.Conn) reactor.Action {
	h.pr.up.writable()
	return reactor.None
}

func (h *tcpBack) OnReadEOF(c *reactor.Conn) reactor.Action {
	h.pr.down.eof = true
	h.pr.down.tryFinish()
	return reactor.None
}

func (h *tcpBack) OnClose(c *reactor.Conn, err error) { h.pr.sideClosed(false, err) }

// dialed runs when the upstream connect finished, on the pair's loop.
func (pr *pair) dialed(c *reactor.Conn, err error) {
	pr.dialDone = true
	p := pr.p
	if err != nil {
		p.st.dialErrors.Add(1)
		pr.setReason(err)
		if !pr.clientClosed {
			pr.client.Close()
		} else {
			pr.end()
		}
		return
	}
	a := c.RemoteAddr()
	pr.srvAdr.Store(&a)
	pr.server = c
	pr.up.dstc.Store(c)
	if pr.clientClosed || pr.ended {
		c.Close()
		return
	}
	pr.setPause(pr.client, pauseDial, false)
	pr.client.Wake(nil) // relay what the client sent while we dialed
	pr.apply()
}

// faults returns the faults in force for the pair, nil for none.
func (pr *pair) faults() *Faults { return pr.p.resolve(pr.own.Load(), pr.u) }

func (pr *pair) setReason(err error) {
	if pr.reason == nil {
		pr.reason = err
	}
}

// setPause sets or clears one pause reason of c and pauses or resumes it
// when the set of reasons turns non-empty or empty.
func (pr *pair) setPause(c *reactor.Conn, why int, on bool) {
	bits := &pr.serverPause
	if c == pr.client {
		bits = &pr.clientPause
	}
	old := *bits
	if on {
		*bits |= why
	} else {
		*bits &^= why
	}
	switch {
	case old == 0 && *bits != 0:
		c.Pause()
	case old != 0 && *bits == 0:
		c.Resume()
	}
}

// apply brings the pair in line with its faults after they changed.
func (pr *pair) apply() {
	if pr.ended || pr.server == nil {
		return
	}
	f := pr.faults()
	if f != nil && f.Down {
		pr.p.st.refused.Add(1)
		pr.cut(ErrDown)
		return
	}
	var tw time.Duration = -1
	if f != nil && f.Timeout != nil {
		tw = *f.Timeout
	}
	if tw <= 0 || tw != pr.timeoutFor {
		if pr.timeout != nil {
			pr.timeout.Stop()
			pr.timeout = nil
		}
		pr.timeoutFor = 0
	}
	if tw > 0 && pr.timeout == nil {
		pr.timeoutFor = tw
		pr.timeout = pr.lp.AfterFunc(tw, func() {
			if !pr.ended {
				pr.p.st.timedOut.Add(1)
				pr.cut(ErrTimeout)
			}
		})
	}
	pr.up.apply()
	pr.down.apply()
}

// cut closes both sides at once, dropping what is held.
func (pr *pair) cut(reason error) {
	if pr.ended {
		return
	}
	pr.setReason(reason)
	if reason == ErrCut || reason == ErrDown {
		pr.p.st.cut.Add(1)
	}
	pr.up.drop()
	pr.down.drop()
	if !pr.clientClosed {
		pr.client.CloseWithError(reason)
	}
	if pr.server != nil && !pr.serverClosed {
		pr.server.CloseWithError(reason)
	}
}

// resetPeer resets the destinations of the streams under ResetPeer and
// closes the other side.
func (pr *pair) resetPeer() {
	if pr.ended {
		return
	}
	pr.setReason(ErrReset)
	pr.p.st.reset.Add(1)
	rstClient, rstServer := pr.down.resetting(), pr.up.resetting()
	pr.up.drop()
	pr.down.drop()
	for _, s := range []struct {
		c      *reactor.Conn
		closed bool
		rst    bool
	}{{pr.client, pr.clientClosed, rstClient}, {pr.server, pr.serverClosed, rstServer}} {
		switch {
		case s.c == nil || s.closed:
		case s.rst:
			s.c.Abort(ErrReset)
		default:
			s.c.CloseWithError(ErrReset)
		}
	}
}

// closeBoth closes both sides after their queued output (a finished relay
// or limit_data).
func (pr *pair) closeBoth() {
	if !pr.clientClosed {
		pr.client.Close()
	}
	if pr.server != nil && !pr.serverClosed {
		pr.server.Close()
	}
}

// sideClosed runs from a conn's OnClose. The pipe out of the closed side
// delivers what it holds and then closes the other side; the pipe into it
// is dropped.
func (pr *pair) sideClosed(client bool, err error) {
	if err != nil {
		pr.setReason(err)
	}
	from, into := &pr.down, &pr.up
	if client {
		pr.clientClosed = true
		from, into = &pr.up, &pr.down
	} else {
		pr.serverClosed = true
	}
	into.drop()
	into.finished = true
	from.eof = true
	from.tryFinish()
	if pr.clientClosed && (pr.serverClosed || !pr.dialing || (pr.dialDone && pr.server == nil)) {
		pr.end()
	}
}

// end runs once when both sides are gone.
func (pr *pair) end() {
	if pr.ended {
		return
	}
	pr.ended = true
	if pr.timeout != nil {
		pr.timeout.Stop()
	}
	pr.up.stop()
	pr.down.stop()
	pr.p.forget(pr.id)
	if pr.p.cfg.OnClose != nil {
		pr.p.cfg.OnClose(pr.info(), pr.reason)
	}
}

// info is safe for concurrent use: it reads atomics only.
func (pr *pair) info() ConnInfo {
	ci := ConnInfo{
		ID: pr.id, Client: pr.remote, OpenedAt: pr.opened,
		BytesUp: pr.up.forwarded.Load(), BytesDown: pr.down.forwarded.Load(),
		Buffered: pr.buffered(), Own: pr.own.Load() != nil,
	}
	if a := pr.srvAdr.Load(); a != nil {
		ci.Upstream = *a
	}
	ci.Affected = ci.Own || pr.u < pr.p.faults.Load().toxicity()
	ci.Faults = "none"
	if f := pr.faults(); f != nil {
		ci.Faults = f.String()
	}
	return ci
}

func (pr *pair) loop() *reactor.Loop { return pr.lp }

func (pr *pair) setOwn(f *Faults) { pr.own.Store(f) }

func (pr *pair) buffered() int { return pr.up.held() + pr.down.held() }
