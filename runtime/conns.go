package runtime

import (
	"fmt"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// ConnInfo is one open conn of the runtime's engine, as the shell's :conns
// lists it. Addresses are "-" when unknown.
type ConnInfo struct {
	ID       uint64
	Network  string // "tcp", "udp", "unix", …
	Local    string
	Remote   string
	Loop     int    // index of the event loop that owns it
	Listener string // URL of the server that accepted it; "" for a dialed conn
	BytesIn  uint64
	BytesOut uint64
	Opened   time.Time
}

// Conns returns a snapshot of every open conn, or nil when the engine has
// not started (nothing listened or dialed yet). It does not start it. Safe
// for concurrent use.
func (rt *Runtime) Conns() []ConnInfo {
	e := rt.c.StartedEngine()
	if e == nil {
		return nil
	}
	infos := e.Conns()
	out := make([]ConnInfo, 0, len(infos))
	for _, ci := range infos {
		out = append(out, connInfo(ci))
	}
	return out
}

// CloseConn closes open conn id at once with reason, which its handler
// sees as the close error (a Lua conn's on_close gets it), and returns
// what the conn was; an unknown id is an error naming it. Safe for
// concurrent use.
func (rt *Runtime) CloseConn(id uint64, reason error) (ConnInfo, error) {
	var c *reactor.Conn
	if e := rt.c.StartedEngine(); e != nil {
		c = e.Conn(id)
	}
	if c == nil {
		return ConnInfo{}, fmt.Errorf("no open conn %d", id)
	}
	info := connInfo(c.Info())
	if err := c.CloseWithError(reason); err != nil {
		return info, fmt.Errorf("close conn %d: %v", id, err)
	}
	return info, nil
}

// Tracer is a live server or conn whose traffic can be printed as
// trace = true prints it (the shell's :trace): net's servers (the Value of
// what net.servers() returns) and conns are. Safe for concurrent use.
type Tracer interface {
	Traced() bool
	SetTrace(on bool)
}

// ConnTracer returns the Tracer of open conn id, or an error naming the
// id: unknown, or a conn net does not run (an HTTP or proxy conn).
func (rt *Runtime) ConnTracer(id uint64) (Tracer, ConnInfo, error) {
	var c *reactor.Conn
	if e := rt.c.StartedEngine(); e != nil {
		c = e.Conn(id)
	}
	if c == nil {
		return nil, ConnInfo{}, fmt.Errorf("no open conn %d", id)
	}
	// the conn's context belongs to its loop: read it there
	ch := make(chan any, 1)
	if err := c.Loop().Execute(func() { ch <- c.Context() }); err != nil {
		return nil, connInfo(c.Info()), fmt.Errorf("conn %d: %v", id, err)
	}
	var ctx any
	select {
	case ctx = <-ch:
	case <-time.After(2 * time.Second):
		return nil, connInfo(c.Info()), fmt.Errorf("conn %d: its loop did not answer within 2s", id)
	}
	t, ok := ctx.(Tracer)
	if !ok {
		return nil, connInfo(c.Info()), fmt.Errorf("conn %d is not a net conn (only net.listen, net.dial and net.connect conns trace)", id)
	}
	return t, connInfo(c.Info()), nil
}

func connInfo(ci reactor.ConnInfo) ConnInfo {
	return ConnInfo{ID: ci.ID, Network: ci.Network, Local: addrString(ci.Local), Remote: addrString(ci.Remote),
		Loop: ci.Loop, Listener: ci.Listener, BytesIn: ci.BytesIn, BytesOut: ci.BytesOut, Opened: ci.OpenedAt}
}

func addrString(a interface{ String() string }) string {
	if a == nil {
		return "-"
	}
	return a.String()
}
