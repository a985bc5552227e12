//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
	"github.com/netplay-lab/netplay/reactor/internal/sock"
	"golang.org/x/sys/unix"
)

// Listener is a listening TCP, Unix or UDP socket (one per loop with
// ReusePort). Its methods are safe for concurrent use.
type Listener struct {
	eng      *Engine
	h        Handler
	url      string
	network  string
	addr     net.Addr
	cfg      ListenConfig
	ccfg     ConnConfig
	loops    []*Loop
	lb       balancer
	socks    []*lnSocket
	maxConns int64
	perIP    *ipLimiter // nil without MaxConnsPerIP
	udp      bool

	accepted   atomic.Uint64
	rejected   atomic.Uint64
	acceptErrs atomic.Uint64
	bytesIn    atomic.Uint64
	bytesOut   atomic.Uint64
	active     atomic.Int64
	offCap     atomic.Int64 // active conns that left the MaxConns count (Conn.LeaveListenerCap)

	closing   atomic.Bool
	drainOnce sync.Once
	drained   chan struct{}
	closeOnce sync.Once
	closedCh  chan struct{}
	closeErr  error
}

// lnSocket is one listening or UDP socket registered on one loop (the
// acceptor or an event loop). Its fields are used on that loop only.
type lnSocket struct {
	fd      int
	ln      *Listener
	loop    *Loop
	udp     bool
	closed  bool
	paused  bool
	backoff time.Duration
}

const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
	acceptBatch      = 64
)

// Listen opens a listener on url (see ParseURL). For TCP and Unix streams
// the acceptor accepts and hands conns to the listener's loops as cfg.LB
// says; with cfg.ReusePort every loop listens on the same address itself.
// A UDP listener reads on its first loop (on every loop with ReusePort) and
// calls OnTraffic once per datagram. OnBoot runs on the first loop before
// anything is accepted.
func (e *Engine) Listen(url string, h Handler, cfg ListenConfig) (*Listener, error) {
	if e.stopping.Load() {
		return nil, ErrEngineStopped
	}
	network, address, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	n := cfg.Loops
	if n <= 0 || n > len(e.loops) {
		n = len(e.loops)
	}
	ln := &Listener{
		eng: e, h: h, network: network, cfg: cfg, loops: e.loops[:n],
		ccfg:     cfg.ConnConfig.withDefaults(),
		maxConns: int64(cfg.MaxConns),
		perIP:    newIPLimiter(cfg.MaxConnsPerIP),
		udp:      strings.HasPrefix(network, "udp"),
		drained:  make(chan struct{}),
		closedCh: make(chan struct{}),
	}
	if ln.maxConns <= 0 {
		ln.maxConns = DefaultListenMaxConns
	}
	ln.lb = balancer{policy: cfg.LB, loops: ln.loops}
	if cfg.ReusePort && network != "unix" {
		addr := address
		for i, l := range ln.loops {
			fd, a, err := sock.Listen(network, addr, true)
			if err != nil {
				ln.closeSockets()
				return nil, &OpError{Op: "listen", Addr: addr, Err: err}
			}
			if i == 0 {
				ln.addr, addr = a, a.String()
			}
			ln.socks = append(ln.socks, &lnSocket{fd: fd, ln: ln, loop: l, udp: ln.udp})
		}
	} else {
		fd, a, err := sock.Listen(network, address, false)
		if err != nil {
			return nil, &OpError{Op: "listen", Addr: address, Err: err}
		}
		ln.addr = a
		target := e.acceptor
		if ln.udp {
			target = ln.loops[0]
		}
		ln.socks = append(ln.socks, &lnSocket{fd: fd, ln: ln, loop: target, udp: ln.udp})
	}
	if network == "unix" {
		ln.url = "unix://" + address
	} else {
		ln.url = network + "://" + ln.addr.String()
	}
	e.mu.Lock()
	e.listeners[ln] = struct{}{}
	e.mu.Unlock()
	boot := ln.loops[0]
	err = boot.do(func() {
		if ln.callBoot() == Shutdown {
			ln.shutdownAsync()
			return
		}
		for _, s := range ln.socks {
			s.loop.do(func() { s.loop.addSocket(s) })
		}
	})
	if err != nil {
		ln.closeSockets()
		return nil, &OpError{Op: "listen", Addr: address, Err: ErrEngineStopped}
	}
	return ln, nil
}

// closeSockets closes sockets that were never registered on a loop.
func (ln *Listener) closeSockets() {
	for _, s := range ln.socks {
		unix.Close(s.fd)
	}
}

func (ln *Listener) callBoot() (a Action) {
	defer func() {
		if r := recover(); r != nil {
			ln.eng.logf("reactor: listener %s: panic in OnBoot: %v", ln.url, r)
			a = Shutdown
		}
	}()
	return ln.h.OnBoot(ln)
}

// Addr returns the bound address (with the real port when the URL said 0).
func (ln *Listener) Addr() net.Addr { return ln.addr }

// URL returns the listener's URL with the bound address, e.g.
// "tcp://127.0.0.1:40123".
func (ln *Listener) URL() string { return ln.url }

// Stats returns a snapshot of the listener's counters.
func (ln *Listener) Stats() ListenerStats {
	return ListenerStats{
		Accepted: ln.accepted.Load(), Rejected: ln.rejected.Load(), RejectedPerIP: ln.perIP.rejectedCount(),
		Active: int(ln.active.Load()), BytesIn: ln.bytesIn.Load(), BytesOut: ln.bytesOut.Load(),
		AcceptErrors: ln.acceptErrs.Load(),
	}
}

// Conns returns a snapshot of the listener's open conns; it does not wait
// for the loops, so it may be called from a loop goroutine.
func (ln *Listener) Conns() []ConnInfo {
	var out []ConnInfo
	for _, l := range ln.loops {
		out = l.snapshot(out, ln)
	}
	return out
}

// Close stops accepting, flushes and closes the listener's conns (OnClose
// gets ErrClosed), then calls OnShutdown. When ctx ends first, the
// remaining conns are closed at once and Close returns ctx's error. Later
// calls wait for the first and return its result. Close must not be called
// from a loop goroutine; return Shutdown from a callback instead.
func (ln *Listener) Close(ctx context.Context) error {
	return ln.close(ctx, ErrClosed)
}

// shutdownAsync closes the listener from a loop without blocking it.
func (ln *Listener) shutdownAsync() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ln.Close(ctx)
	}()
}

func (ln *Listener) close(ctx context.Context, connErr error) error {
	ln.closeOnce.Do(func() {
		ln.closing.Store(true)
		var wg sync.WaitGroup
		for _, s := range ln.socks {
			wg.Add(1)
			if s.loop.do(func() { defer wg.Done(); s.loop.closeSocket(s) }) != nil {
				wg.Done()
			}
		}
		wg.Wait()
		if ln.network == "unix" {
			os.Remove(ln.addr.String())
		}
		mine := func(fn func(l *Loop, c *Conn)) func(l *Loop) {
			return func(l *Loop) {
				l.forEachConn(func(c *Conn) {
					if c.ln == ln {
						fn(l, c)
					}
				})
			}
		}
		ln.eng.eachLoopOf(ln.loops, mine(func(l *Loop, c *Conn) { l.closeGracefully(c, connErr) }))
		ln.checkDrained()
		select {
		case <-ln.drained:
		case <-ctx.Done():
			ln.closeErr = ctx.Err()
			ln.eng.eachLoopOf(ln.loops, mine(func(l *Loop, c *Conn) { l.closeNow(c, connErr) }))
		}
		done := make(chan struct{})
		if ln.loops[0].do(func() {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					ln.eng.logf("reactor: listener %s: panic in OnShutdown: %v", ln.url, r)
				}
			}()
			ln.h.OnShutdown(ln)
		}) == nil {
			<-done
		}
		ln.eng.mu.Lock()
		delete(ln.eng.listeners, ln)
		ln.eng.mu.Unlock()
		close(ln.closedCh)
	})
	<-ln.closedCh
	return ln.closeErr
}

// connClosed accounts for a conn of the listener that closed (or never
// opened); ip is the peer IP it was counted under for MaxConnsPerIP.
func (ln *Listener) connClosed(ip netip.Addr) {
	ln.perIP.release(ip)
	if ln.active.Add(-1) <= 0 && ln.closing.Load() {
		ln.drainOnce.Do(func() { close(ln.drained) })
	}
}

func (ln *Listener) checkDrained() {
	if ln.active.Load() <= 0 {
		ln.drainOnce.Do(func() { close(ln.drained) })
	}
}

// eachLoopOf runs fn on each of loops and waits.
func (e *Engine) eachLoopOf(loops []*Loop, fn func(l *Loop)) {
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Add(1)
		if l.do(func() { defer wg.Done(); fn(l) }) != nil {
			wg.Done()
		}
	}
	wg.Wait()
}

// addSocket registers a listening socket on l.
func (l *Loop) addSocket(s *lnSocket) {
	if s.closed {
		return
	}
	if err := l.p.Add(s.fd, poll.InRead); err != nil {
		l.eng.logf("reactor: listener %s: %v", s.ln.url, err)
		return
	}
	l.socks[s.fd] = s
	if !s.udp && l.spareFD < 0 {
		l.openSpare()
	}
}

// closeSocket unregisters and closes a listening socket.
func (l *Loop) closeSocket(s *lnSocket) {
	if s.closed {
		return
	}
	s.closed = true
	if l.socks[s.fd] == s {
		in := poll.InRead
		if s.paused {
			in = 0
		}
		l.p.Del(s.fd, in)
		delete(l.socks, s.fd)
	}
	unix.Close(s.fd)
}

func (l *Loop) openSpare() {
	fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		l.spareFD = fd
	}
}

// accept accepts a batch of conns from a listening socket.
func (l *Loop) accept(s *lnSocket) {
	for i := 0; i < acceptBatch && !s.closed && !s.paused; i++ {
		fd, sa, err := sock.Accept(s.fd)
		if err != nil {
			switch err {
			case unix.EAGAIN:
				return
			case unix.EINTR, unix.ECONNABORTED:
				continue
			}
			l.acceptBackoff(s, err)
			return
		}
		s.backoff = 0
		s.ln.hand(l, fd, sa)
	}
}

// acceptBackoff handles EMFILE, ENFILE and other accept failures: it gives
// up the spare fd to accept-and-close one waiting conn (so that peer is
// told at once), stops watching the socket and watches it again after a
// backoff that doubles from 5 ms to 1 s. The listener never exits.
func (l *Loop) acceptBackoff(s *lnSocket, err error) {
	ln := s.ln
	ln.acceptErrs.Add(1)
	if l.spareFD >= 0 && (err == unix.EMFILE || err == unix.ENFILE) {
		unix.Close(l.spareFD)
		l.spareFD = -1
		if fd, _, aerr := sock.Accept(s.fd); aerr == nil {
			ln.rejected.Add(1)
			l.eng.rejected.Add(1)
			unix.Close(fd)
		}
		l.openSpare()
	}
	if s.backoff == 0 {
		s.backoff = acceptBackoffMin
		l.eng.logf("%v; backing off", &OpError{Op: "accept", Addr: ln.url, Err: os.NewSyscallError("accept", err)})
	} else if s.backoff *= 2; s.backoff > acceptBackoffMax {
		s.backoff = acceptBackoffMax
	}
	if err := l.p.Mod(s.fd, poll.InRead, 0); err != nil {
		l.eng.logf("reactor: listener %s: %v", ln.url, err)
	}
	s.paused = true
	l.AfterFunc(s.backoff, func() {
		if s.closed || !s.paused {
			return
		}
		s.paused = false
		if err := l.p.Mod(s.fd, 0, poll.InRead); err != nil {
			l.eng.logf("reactor: listener %s: %v", ln.url, err)
		}
	})
}

// hand passes an accepted fd to a loop, or closes it past a max_conns
// limit. from is the loop that accepted it.
func (ln *Listener) hand(from *Loop, fd int, sa unix.Sockaddr) {
	e := ln.eng
	if ln.closing.Load() || e.stopping.Load() {
		unix.Close(fd)
		return
	}
	var ip netip.Addr
	if ln.perIP != nil {
		ip = sockaddrIP(sa)
	}
	if e.active.Load() >= e.maxConns.Load() || ln.active.Load()-ln.offCap.Load() >= ln.maxConns || !ln.perIP.acquire(ip) {
		ln.rejected.Add(1) // counted before the peer can see the close
		e.rejected.Add(1)
		unix.Close(fd)
		return
	}
	e.active.Add(1)
	ln.active.Add(1)
	ln.accepted.Add(1)
	e.accepted.Add(1)
	remote := sock.SockaddrToAddr(ln.network, sa)
	target := from
	if from.idx < 0 {
		target = ln.lb.pick(addrIP(remote))
	}
	target.nconns.Add(1)
	if target == from {
		target.register(fd, remote, ip, ln)
		return
	}
	if target.do(func() { target.register(fd, remote, ip, ln) }) != nil {
		unix.Close(fd)
		target.nconns.Add(-1)
		e.connClosed()
		ln.connClosed(ip)
	}
}

// register makes a conn of an accepted fd on l and calls OnOpen.
func (l *Loop) register(fd int, remote net.Addr, ip netip.Addr, ln *Listener) {
	c := &Conn{
		id: l.eng.nextID.Add(1), fd: fd, loop: l, ln: ln, h: ln.h, network: ln.network,
		remote: remote, peerIP: ip, cfg: &ln.ccfg, openedAt: time.Now(),
	}
	fail := func(err error) {
		if err != nil {
			l.eng.logf("%v", &OpError{Op: "accept", Addr: c.addrString(), Err: err})
		}
		unix.Close(fd)
		l.nconns.Add(-1)
		l.eng.connClosed()
		ln.connClosed(ip)
	}
	if ln.closing.Load() || l.eng.stopping.Load() || l.exit {
		fail(nil)
		return
	}
	if ln.network != "unix" {
		if err := sock.SetOptions(fd, !ln.ccfg.NoDelayOff, ln.ccfg.KeepAlive); err != nil {
			fail(err)
			return
		}
	}
	c.local = sock.LocalAddr(ln.network, fd)
	if err := l.p.Add(fd, poll.InRead); err != nil {
		fail(err)
		return
	}
	c.interest = poll.InRead
	l.accepted.Add(1)
	l.addConn(c)
	l.publish(c)
	c.opened = true
	a := l.callOpen(c)
	l.afterCallback(c, a)
}

// readUDP reads a batch of datagrams, one OnTraffic each.
func (l *Loop) readUDP(s *lnSocket) {
	ln := s.ln
	for i := 0; i < acceptBatch && !s.closed; i++ {
		n, sa, err := unix.Recvfrom(s.fd, l.buf, 0)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR {
				ln.acceptErrs.Add(1)
			}
			return
		}
		c := &Conn{
			id: l.eng.nextID.Add(1), fd: s.fd, loop: l, ln: ln, h: ln.h, network: ln.network,
			local: ln.addr, remote: sock.SockaddrToAddr(ln.network, sa), cfg: &ln.ccfg, openedAt: time.Now(),
			udp: true, udpDatagram: true, udpSA: sa, udpSock: s,
		}
		c.countIn(n)
		c.in = l.buf[:n]
		a := l.callTraffic(c)
		c.in = nil
		if a == Shutdown {
			ln.shutdownAsync()
		}
	}
}
