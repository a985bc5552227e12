package main

import "github.com/netplay-lab/netplay/runtime"

// engineConns returns the source of :conns rows for rt: a snapshot of every
// conn of its engine (none before anything listened or dialed).
func engineConns(rt *runtime.Runtime) func() []connRow {
	return func() []connRow {
		infos := rt.Conns()
		rows := make([]connRow, 0, len(infos))
		for _, ci := range infos {
			rows = append(rows, connRow{
				ID: ci.ID, Network: ci.Network, Local: ci.Local, Remote: ci.Remote,
				Loop: ci.Loop, BytesIn: ci.BytesIn, BytesOut: ci.BytesOut, Opened: ci.Opened,
			})
		}
		return rows
	}
}
