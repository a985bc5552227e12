package runtime

import "time"

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
		out = append(out, ConnInfo{ID: ci.ID, Network: ci.Network, Local: addrString(ci.Local), Remote: addrString(ci.Remote),
			Loop: ci.Loop, Listener: ci.Listener, BytesIn: ci.BytesIn, BytesOut: ci.BytesOut, Opened: ci.OpenedAt})
	}
	return out
}

func addrString(a interface{ String() string }) string {
	if a == nil {
		return "-"
	}
	return a.String()
}
