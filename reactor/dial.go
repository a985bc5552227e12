//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/reactor/internal/poll"
	"github.com/netplay-lab/netplay/reactor/internal/sock"
	"golang.org/x/sys/unix"
)

// dialState follows a dialed conn until its connect completes.
type dialState struct {
	addr     string
	done     func(*Conn, error)
	timer    *Timer
	finished bool
}

// finish reports a failed connect once; established conns report in
// establish.
func (d *dialState) finish(l *Loop, c *Conn, err error) {
	if d.finished {
		return
	}
	d.finished = true
	if d.timer != nil {
		d.timer.Stop()
	}
	var oe *OpError
	if err == nil {
		err = ErrClosed
	}
	if !errors.As(err, &oe) {
		err = &OpError{Op: "dial", Addr: d.addr, Err: err}
	}
	l.safeCall("dial callback", func() { d.done(nil, err) })
}

// Dial connects to url without blocking a loop: the socket connects in the
// background on a loop and Dial waits for the result or for ctx. On success
// OnOpen has already run on the conn's loop. Errors are *OpError values
// naming the address. Dial must not be called from a loop goroutine; use
// DialAsync there. Safe for concurrent use.
func (e *Engine) Dial(ctx context.Context, url string, h Handler, cfg DialConfig) (*Conn, error) {
	network, address, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &OpError{Op: "dial", Addr: address, Err: err}
	}
	type result struct {
		c   *Conn
		err error
	}
	ch := make(chan result, 1)
	c := e.dial(network, address, h, cfg, func(c *Conn, err error) { ch <- result{c, err} })
	if c == nil {
		r := <-ch
		return r.c, r.err
	}
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		l := c.loop
		if l.do(func() {
			if c.connecting && !c.closed {
				l.closeNow(c, &OpError{Op: "dial", Addr: address, Err: ctx.Err()})
			}
		}) != nil {
			return nil, &OpError{Op: "dial", Addr: address, Err: ErrEngineStopped}
		}
		r := <-ch
		return r.c, r.err
	}
}

// DialAsync starts connecting to url and returns at once. done runs once:
// on the conn's loop goroutine after OnOpen (c != nil, err == nil) or when
// the connect fails, times out (cfg.Timeout) or the engine stops; for
// errors found before a loop is involved (a bad URL, a failed socket call)
// it runs on the calling goroutine. Names that are not IP literals are
// resolved on a new goroutine. Safe for concurrent use.
func (e *Engine) DialAsync(url string, h Handler, cfg DialConfig, done func(c *Conn, err error)) {
	if done == nil {
		done = func(*Conn, error) {}
	}
	network, address, err := ParseURL(url)
	if err != nil {
		done(nil, err)
		return
	}
	if network == "unix" || hostIsIP(address) {
		e.dial(network, address, h, cfg, done)
		return
	}
	go e.dial(network, address, h, cfg, done)
}

func hostIsIP(address string) bool {
	host, _, err := net.SplitHostPort(address)
	return err == nil && net.ParseIP(host) != nil
}

// dial creates the socket, starts the connect and hands the conn to a loop.
// It returns nil when it failed at once (done has then been called).
func (e *Engine) dial(network, address string, h Handler, cfg DialConfig, done func(*Conn, error)) *Conn {
	fail := func(err error) *Conn {
		done(nil, &OpError{Op: "dial", Addr: address, Err: err})
		return nil
	}
	if e.stopping.Load() {
		return fail(ErrEngineStopped)
	}
	if e.active.Add(1) > e.maxConns.Load() {
		e.connClosed()
		return fail(ErrTooManyConns)
	}
	fd, remote, connected, err := sock.Dial(network, address)
	if err != nil {
		e.connClosed()
		return fail(err)
	}
	ccfg := cfg.ConnConfig.withDefaults()
	l := cfg.Loop
	if l == nil || l.eng != e || l.idx < 0 {
		l = e.dialLB.pick(nil)
	}
	l.nconns.Add(1)
	c := &Conn{
		id: e.nextID.Add(1), fd: fd, loop: l, h: h, network: network, remote: remote,
		cfg: &ccfg, openedAt: time.Now(), connecting: true, udp: strings.HasPrefix(network, "udp"),
		dial: &dialState{addr: address, done: done},
	}
	if l.do(func() { l.startConn(c, connected, cfg.Timeout) }) != nil {
		unix.Close(fd)
		l.nconns.Add(-1)
		e.connClosed()
		return fail(ErrEngineStopped)
	}
	return c
}

// startConn registers a connecting conn on its loop.
func (l *Loop) startConn(c *Conn, connected bool, timeout time.Duration) {
	l.addConn(c)
	if l.exit || l.eng.stopping.Load() {
		l.closeNow(c, ErrEngineStopped)
		return
	}
	if connected {
		l.establish(c)
		return
	}
	if err := l.p.Add(c.fd, poll.InWrite); err != nil {
		l.closeNow(c, err)
		return
	}
	c.interest = poll.InWrite
	if timeout > 0 {
		c.dial.timer = l.AfterFunc(timeout, func() {
			if c.connecting && !c.closed {
				l.closeNow(c, &OpError{Op: "dial", Addr: c.dial.addr, Err: os.ErrDeadlineExceeded})
			}
		})
	}
}

// finishDial runs when a connecting socket becomes writable (or fails).
func (l *Loop) finishDial(c *Conn) {
	if err := sock.ConnectError(c.fd); err != nil {
		l.closeNow(c, &OpError{Op: "dial", Addr: c.dial.addr, Err: err})
		return
	}
	l.establish(c)
}

// establish turns a connected socket into an open conn: options, read
// interest, OnOpen, then the dial callback.
func (l *Loop) establish(c *Conn) {
	c.connecting = false
	d := c.dial
	if d.timer != nil {
		d.timer.Stop()
	}
	if !c.udp && c.network != "unix" {
		if err := sock.SetOptions(c.fd, !c.cfg.NoDelayOff, c.cfg.KeepAlive); err != nil {
			l.closeNow(c, &OpError{Op: "dial", Addr: d.addr, Err: err})
			return
		}
	}
	c.local = sock.LocalAddr(c.network, c.fd)
	var err error
	if c.interest == 0 {
		err = l.p.Add(c.fd, poll.InRead)
	} else {
		err = l.p.Mod(c.fd, c.interest, poll.InRead)
	}
	if err != nil {
		l.closeNow(c, &OpError{Op: "dial", Addr: d.addr, Err: err})
		return
	}
	c.interest = poll.InRead
	c.openedAt = time.Now()
	l.publish(c)
	c.opened = true
	a := l.callOpen(c)
	d.finished = true
	if c.err != nil {
		err := c.err
		l.safeCall("dial callback", func() { d.done(nil, err) })
	} else {
		l.safeCall("dial callback", func() { d.done(c, nil) })
	}
	l.afterCallback(c, a)
}
