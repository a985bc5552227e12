package proxy

import (
	"net"
	"sync/atomic"
	"time"
)

// ConnInfo is a snapshot of one relayed conn (or UDP session).
type ConnInfo struct {
	ID        uint64   // the client conn's id (a UDP session's id)
	Client    net.Addr // the client's address
	Upstream  net.Addr // the upstream's address; nil while dialing
	OpenedAt  time.Time
	BytesUp   uint64 // client -> server bytes relayed
	BytesDown uint64 // server -> client bytes relayed
	Buffered  int    // bytes held now, both directions
	Affected  bool   // the proxy-wide faults apply (toxicity drew it)
	Own       bool   // the conn has faults of its own (OnOpen or SetConn)
	Faults    string // the faults in force for it ("none" if none)
}

// Stats is a snapshot of a proxy's counters.
type Stats struct {
	Conns       int    // relayed conns (UDP sessions) open now
	Opened      uint64 // conns (sessions) opened since the start
	DialErrors  uint64 // upstream dials that failed
	BytesUp     uint64 // client -> server bytes relayed
	BytesDown   uint64 // server -> client bytes relayed
	Affected    uint64 // conns the proxy-wide faults were drawn for (toxicity)
	Buffered    int    // bytes held now over all conns
	MaxBuffered int    // the most bytes one direction of one conn held at once
	Faults      FaultStats
}

// FaultStats counts what the faults did.
type FaultStats struct {
	Delayed    uint64 // chunks (datagrams) delayed by latency
	Paced      uint64 // pieces held back by bandwidth
	Sliced     uint64 // slices written by the slicer
	Dropped    uint64 // bytes dropped by timeout and reset_peer
	TimedOut   uint64 // conns closed by timeout
	Reset      uint64 // conns reset by reset_peer
	Limited    uint64 // conns closed by limit_data
	SlowClosed uint64 // closes delayed by slow_close
	Cut        uint64 // conns cut by Cut, Close or down
	Refused    uint64 // conns refused by a per-conn down
	Lost       uint64 // datagrams dropped by loss
	Duplicated uint64 // datagrams sent twice
	Reordered  uint64 // datagrams held back behind the next one
}

// counters are the live form of Stats.
type counters struct {
	opened, dialErrors, bytesUp, bytesDown, affected   atomic.Uint64
	delayed, paced, sliced, dropped                    atomic.Uint64
	timedOut, reset, limited, slowClosed, cut, refused atomic.Uint64
	lost, duplicated, reordered                        atomic.Uint64
	maxBuffered                                        atomic.Int64
}

// Stats returns a snapshot of the proxy's counters.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	links := p.snapshotLinks()
	p.mu.Unlock()
	s := &p.st
	out := Stats{
		Conns: len(links), Opened: s.opened.Load(), DialErrors: s.dialErrors.Load(),
		BytesUp: s.bytesUp.Load(), BytesDown: s.bytesDown.Load(), Affected: s.affected.Load(),
		MaxBuffered: int(s.maxBuffered.Load()),
		Faults: FaultStats{
			Delayed: s.delayed.Load(), Paced: s.paced.Load(), Sliced: s.sliced.Load(), Dropped: s.dropped.Load(),
			TimedOut: s.timedOut.Load(), Reset: s.reset.Load(), Limited: s.limited.Load(),
			SlowClosed: s.slowClosed.Load(), Cut: s.cut.Load(), Refused: s.refused.Load(),
			Lost: s.lost.Load(), Duplicated: s.duplicated.Load(), Reordered: s.reordered.Load(),
		},
	}
	for _, l := range links {
		out.Buffered += l.buffered()
	}
	return out
}

// notePeak records a direction's buffered bytes for Stats.MaxBuffered.
func (p *Proxy) notePeak(n int) {
	for {
		cur := p.st.maxBuffered.Load()
		if int64(n) <= cur || p.st.maxBuffered.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}
