package ws

import (
	"errors"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
)

// The traffic tap's hooks (runtime/lib/tap, docs/tap.md) for ws.listen
// servers, conns upgraded by ws.upgrade (whose taps are the http server's)
// and ws.dial clients. With no tap attached each hook is one atomic load.

// Taps returns the server's taps; nil for a conn adopted from a server
// that has none. Attach with Taps().Add.
func (s *Server) Taps() *tap.Set { return s.taps }

// tapIn reports the bytes the read that called OnTraffic added. Loop
// goroutine.
func (c *SConn) tapIn() {
	buf, _ := c.rc.Peek(0)
	c.tapRd.In(c.srv.taps, c.rc, buf, c.rc.Info().BytesIn, c.sc.ws != nil)
}

// tapOut reports out, about to be written to the conn.
func (c *SConn) tapOut(out []byte) {
	if c.srv.taps.Active() && len(out) > 0 {
		c.srv.taps.Out(c.rc, out, true) // the 101 (an HTTP head) or frames
	}
}

// adoptedTaps is the taps of the server whose conn rc was (an http.listen
// conn: its context is the HTTP server's conn state), so one tap follows
// the conn across the upgrade; nil when it has none.
func adoptedTaps(rc *reactor.Conn) *tap.Set {
	if ts, ok := rc.Context().(interface{ TapSet() *tap.Set }); ok {
		return ts.TapSet()
	}
	return nil
}

// TapSource makes a ws server a tap.Source for net.tap: every conn.
func (s *luaServer) TapSource() (*tap.Set, uint64, error) {
	if s.closed {
		return nil, 0, errors.New("the ws server is closed")
	}
	return s.srv.taps, 0, nil
}

// TapSource makes a server-side conn a tap.Source for net.tap: that conn
// only, on its server's taps (the http server's after ws.upgrade).
func (lc *luaConn) TapSource() (*tap.Set, uint64, error) {
	if lc.c.srv.taps == nil {
		return nil, 0, errors.New("the ws conn cannot be tapped")
	}
	return lc.c.srv.taps, lc.c.ID(), nil
}

// Taps returns the client's taps: every conn it dials, reconnects
// included. Attach with Taps().Add.
func (r *Robust) Taps() *tap.Set { return &r.taps }

// TapSource makes a ws.dial client a tap.Source for net.tap.
func (lc *luaClient) TapSource() (*tap.Set, uint64, error) { return &lc.r.taps, 0, nil }
