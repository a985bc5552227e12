package http

import (
	"errors"
	"sync"

	"github.com/netplay-lab/netplay/reactor"
	lua "github.com/yuin/gopher-lua"
)

// Takeover carries a conn after an upgrade (ws.upgrade): from then on the
// HTTP server passes it the conn's traffic and its close instead of
// parsing HTTP. Loop goroutine.
type Takeover interface {
	OnTraffic(c *reactor.Conn) reactor.Action
	OnClose(c *reactor.Conn, err error)
	// GoingAway tells the protocol that the server is shutting down (a
	// WebSocket sends its 1001 close) before the listener closes the
	// conn. Safe for concurrent use.
	GoingAway()
}

// upgradedSet is a server's conns handed to a Takeover, for srv:close.
type upgradedSet struct {
	mu sync.Mutex
	m  map[Takeover]struct{}
}

func (u *upgradedSet) add(t Takeover) {
	u.mu.Lock()
	if u.m == nil {
		u.m = map[Takeover]struct{}{}
	}
	u.m[t] = struct{}{}
	u.mu.Unlock()
}

func (u *upgradedSet) remove(t Takeover) {
	u.mu.Lock()
	delete(u.m, t)
	u.mu.Unlock()
}

// goingAway tells every upgraded conn that the server shuts down.
func (u *upgradedSet) goingAway() {
	u.mu.Lock()
	all := make([]Takeover, 0, len(u.m))
	for t := range u.m {
		all = append(all, t)
	}
	u.mu.Unlock()
	for _, t := range all {
		t.GoingAway()
	}
}

// UpgradeRequest is what a module taking a conn over sees of the request
// that asked for it.
type UpgradeRequest struct {
	Method, Target string
	Minor          int         // HTTP/1.Minor
	Header         [][2]string // name as sent, value; in order
}

// Hijack marks the handler's request (its Lua value req) to be taken over
// once the handler returns: the HTTP server then ignores what the handler
// returned, stops parsing HTTP on the conn, stops counting it among its
// conns (max_conns, srv:stats().active, set_keep_alives_enabled) and calls
// start on the conn's loop. start writes the answer itself (a 101, or a
// refusal) and returns the takeover, or nil to close the conn once what it
// wrote is out. Bytes that followed the request (a client's first frames
// in the same write) are still buffered on the conn when start runs.
// VM goroutine of the handler.
func Hijack(req lua.LValue, start func(c *reactor.Conn) Takeover) (*UpgradeRequest, error) {
	ud, ok := req.(*lua.LUserData)
	if !ok {
		return nil, errors.New("an http request (a handler's req) expected")
	}
	r, ok := ud.Value.(*request)
	switch {
	case !ok || r.st == nil:
		return nil, errors.New("an http request (a handler's req) expected")
	case r.hijack != nil:
		return nil, errors.New("the request was already upgraded")
	case r.rp == nil || r.rp.done:
		return nil, errors.New("the response to this request was already sent")
	case r.rp.started:
		return nil, errors.New("the handler already started a streamed response (res:write)")
	}
	r.hijack = start
	return &UpgradeRequest{Method: r.method, Target: r.target, Minor: r.minor, Header: r.header}, nil
}

// takeover hands st's conn to start on its loop, after the handler's
// return (so the script VM is no longer held inline by this loop). VM
// goroutine.
func (st *sconn) takeover(start func(c *reactor.Conn) Takeover) {
	st.c.Wake(func(c *reactor.Conn, err error) {
		if err != nil || st.gone.Load() {
			return // closed meanwhile: OnClose did the accounting
		}
		st.busy, st.closing, st.upgraded = false, true, true
		st.releaseInflow() // the upgraded protocol bounds its own
		if st.tm != nil {
			st.tm.Stop()
			st.tm = nil
		}
		st.s.conns.remove(st)
		st.s.active.Add(-1) // no longer an HTTP conn
		if st.up = start(c); st.up == nil {
			c.Close()
			return
		}
		st.s.upgraded.add(st.up)
	})
}
