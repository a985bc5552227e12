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

// upgradedSet is a server's conns handed to a Takeover: told of a
// shutdown by srv:close, counted under the limit Hijack is given (the
// WebSocket side's max_conns) instead of http.listen's max_conns.
type upgradedSet struct {
	mu sync.Mutex
	m  map[Takeover]struct{}
	n  int // upgrades reserved by Hijack and not yet ended, m's included
}

// reserve counts one more upgrade unless limit (> 0) of them are open.
func (u *upgradedSet) reserve(limit int) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if limit > 0 && u.n >= limit {
		return false
	}
	u.n++
	return true
}

// release ends a reservation whose takeover did not happen.
func (u *upgradedSet) release() {
	u.mu.Lock()
	u.n--
	u.mu.Unlock()
}

// count is the number of upgraded conns (and upgrades under way).
func (u *upgradedSet) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n
}

func (u *upgradedSet) add(t Takeover) {
	u.mu.Lock()
	if u.m == nil {
		u.m = map[Takeover]struct{}{}
	}
	u.m[t] = struct{}{}
	u.mu.Unlock()
}

// remove forgets an upgraded conn that closed and ends its reservation.
func (u *upgradedSet) remove(t Takeover) {
	u.mu.Lock()
	delete(u.m, t)
	u.n--
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

// ErrUpgradeLimit is Hijack's answer when limit upgraded conns of the
// server are open already; the handler can still answer the request.
var ErrUpgradeLimit = errors.New("too many upgraded conns")

// Hijack marks the handler's request (its Lua value req) to be taken over
// once the handler returns: the HTTP server then ignores what the handler
// returned, stops parsing HTTP on the conn, stops counting it among its
// conns (max_conns, srv:stats().active, set_keep_alives_enabled) and
// against its listener's cap, counts it among its upgraded conns
// (srv:stats().upgraded) and calls start on the conn's loop. With limit
// > 0 and that many upgraded conns open (or on their way), it fails
// with ErrUpgradeLimit and the request stays the handler's to answer. start writes the answer itself (a 101, or a
// refusal) and returns the takeover, or nil to close the conn once what it
// wrote is out. Bytes that followed the request (a client's first frames
// in the same write) are still buffered on the conn when start runs.
// VM goroutine of the handler.
func Hijack(req lua.LValue, limit int, start func(c *reactor.Conn) Takeover) (*UpgradeRequest, error) {
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
	if !r.st.s.upgraded.reserve(limit) {
		return nil, ErrUpgradeLimit
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
			st.s.upgraded.release()
			return // closed meanwhile: OnClose did the HTTP accounting
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
			st.s.upgraded.release()
			c.Close()
			return
		}
		c.LeaveListenerCap() // counted by the upgrade's own limit now
		st.s.upgraded.add(st.up)
	})
}
