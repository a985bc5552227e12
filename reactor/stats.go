package reactor

import (
	"net"
	"time"
)

// EngineStats is a snapshot of engine counters; see Engine.Stats.
type EngineStats struct {
	Loops    []LoopStats
	Conns    int    // conns open in the engine (accepted, being handed over, or dialed)
	BytesIn  uint64 // bytes read by all loops
	BytesOut uint64 // bytes written by all loops
	Accepted uint64 // conns accepted by all listeners
	Rejected uint64 // conns accepted and closed at once: max_conns or EMFILE relief
}

// LoopStats is a snapshot of one loop's counters.
type LoopStats struct {
	Index    int
	Conns    int    // conns owned by the loop (including ones being handed over)
	BytesIn  uint64 // bytes read on the loop
	BytesOut uint64 // bytes written on the loop
	Accepted uint64 // accepted conns handed to the loop
}

// ListenerStats is a snapshot of one listener's counters.
type ListenerStats struct {
	Accepted uint64 // conns accepted and kept
	Rejected uint64 // conns accepted and closed at once (max_conns, max_conns_per_ip or EMFILE relief)
	// RejectedPerIP counts the part of Rejected refused by MaxConnsPerIP.
	RejectedPerIP uint64
	Active        int // conns currently open
	BytesIn       uint64
	BytesOut      uint64
	// AcceptErrors counts accept failures such as EMFILE that made the
	// listener back off.
	AcceptErrors uint64
}

// ConnInfo is a snapshot of one conn; see Conn.Info.
type ConnInfo struct {
	ID       uint64
	Network  string // "tcp", "tcp4", "tcp6", "udp", ..., "unix"
	Local    net.Addr
	Remote   net.Addr
	Loop     int    // index of the owning loop
	Listener string // URL of the listener that accepted it; "" for dialed conns
	BytesIn  uint64
	BytesOut uint64
	Outbound int // bytes queued for writing
	OpenedAt time.Time
}
