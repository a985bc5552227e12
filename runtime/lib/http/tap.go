package http

import (
	"errors"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
)

// The traffic tap's hooks (runtime/lib/tap, docs/tap.md): net.tap(srv)
// (one conn: {conns = {req.conn_id}}) and the shell's :tap attach to
// server.taps, net.tap(cl) to client.taps. With no tap attached each hook
// is one atomic load.

// tapIn reports the bytes the read that called OnTraffic added to the
// conn's buffer, also once the conn was taken over (ws.upgrade): the
// tap then decodes its WebSocket frames. Loop goroutine.
func (st *sconn) tapIn() {
	buf, _ := st.c.Peek(0)
	st.tapRd.In(&st.s.taps, st.c, buf, st.c.Info().BytesIn, st.upgraded)
}

// tapOut reports out, about to be written to the conn.
func (st *sconn) tapOut(out []byte) {
	if st.s.taps.Active() {
		st.s.taps.Out(st.c, out, false)
	}
}

// TapSet returns the taps of the server that accepted the conn: a module
// taking the conn over (ws.upgrade, through the conn's context) reports
// what it writes there, so one tap follows the conn across the upgrade.
func (st *sconn) TapSet() *tap.Set { return &st.s.taps }

// TapSource makes an http server a tap.Source for net.tap: every conn,
// upgraded ones included.
func (ls *luaServer) TapSource() (*tap.Set, uint64, error) {
	if ls.closed {
		return nil, 0, errors.New("the http server is closed")
	}
	return &ls.s.taps, 0, nil
}

// tapRefused reports the 503 a conn past max_conns gets.
func (s *server) tapRefused(c *reactor.Conn, out []byte) {
	if s.taps.Active() {
		s.taps.Out(c, out, false)
	}
}

// TapSource makes an http client a tap.Source for net.tap: every conn it
// dials from then on, and those in its pool.
func (cl *client) TapSource() (*tap.Set, uint64, error) { return &cl.taps, 0, nil }
