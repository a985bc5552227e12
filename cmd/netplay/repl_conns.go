package main

import (
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime"
)

// engineOwner is the part of the runtime :conns needs (runtime.Runtime's
// Engine method from the contract); asserted so the shell builds while the
// runtime does not have it yet.
type engineOwner interface {
	Engine() *reactor.Engine
}

// engineConns returns the source of :conns rows for rt: a snapshot of every
// conn in its engine. It returns nil when rt does not expose its engine
// (then :conns says it is unavailable).
func engineConns(rt *runtime.Runtime) func() []connRow {
	eo, ok := any(rt).(engineOwner)
	if !ok {
		return nil
	}
	return func() []connRow {
		e := eo.Engine()
		if e == nil {
			return nil
		}
		infos := e.Conns()
		rows := make([]connRow, 0, len(infos))
		for _, ci := range infos {
			rows = append(rows, connRow{
				ID: ci.ID, Network: ci.Network, Local: addrString(ci.Local), Remote: addrString(ci.Remote),
				Loop: ci.Loop, BytesIn: ci.BytesIn, BytesOut: ci.BytesOut, Opened: ci.OpenedAt,
			})
		}
		return rows
	}
}

func addrString(a interface{ String() string }) string {
	if a == nil {
		return "-"
	}
	return a.String()
}
