//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import "runtime/debug"

// This file holds the wrappers that call handler methods and turn a
// panic into a *PanicError that closes the conn.

func (l *Loop) panicked(c *Conn, cb string, r any) Action {
	pe := &PanicError{Callback: cb, Value: r, Stack: debug.Stack()}
	l.eng.logf("reactor: conn %d %s: panic in %s: %v\n%s", c.id, c.addrString(), cb, r, pe.Stack)
	if c.err == nil {
		c.err = pe
	}
	return Close
}

func (l *Loop) callTraffic(c *Conn) (a Action) {
	defer func() {
		if r := recover(); r != nil {
			a = l.panicked(c, "OnTraffic", r)
		}
	}()
	return c.h.OnTraffic(c)
}

func (l *Loop) callOpen(c *Conn) (a Action) {
	defer func() {
		if r := recover(); r != nil {
			a = l.panicked(c, "OnOpen", r)
		}
	}()
	return c.h.OnOpen(c)
}

func (l *Loop) callWritable(c *Conn) (a Action) {
	defer func() {
		if r := recover(); r != nil {
			a = l.panicked(c, "OnWritable", r)
		}
	}()
	return c.h.OnWritable(c)
}

func (l *Loop) callReadEOF(c *Conn, rh ReadEOFHandler) (a Action) {
	defer func() {
		if r := recover(); r != nil {
			a = l.panicked(c, "OnReadEOF", r)
		}
	}()
	return rh.OnReadEOF(c)
}

func (l *Loop) callClose(c *Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			l.eng.logf("reactor: conn %d %s: panic in OnClose: %v\n%s", c.id, c.addrString(), r, debug.Stack())
		}
	}()
	c.h.OnClose(c, err)
}
