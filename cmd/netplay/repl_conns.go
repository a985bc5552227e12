package main

import (
	"errors"
	"fmt"

	"github.com/netplay-lab/netplay/runtime"
)

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

// errShellClose is why a conn :close ID ended: its on_close gets it as err.
var errShellClose = errors.New("closed from the shell (:close)")

// engineClose returns what :close ID does for a conn of rt: close it at
// once, whichever server accepted it or whether it was dialed, and say
// what it was.
func engineClose(rt *runtime.Runtime) func(id uint64) (string, error) {
	return func(id uint64) (string, error) {
		ci, err := rt.CloseConn(id, errShellClose)
		if err != nil {
			return "", err
		}
		of := "dialed"
		if ci.Listener != "" {
			of = "accepted by " + ci.Listener
		}
		return fmt.Sprintf("conn %d closed (%s %s -> %s, %s)", ci.ID, ci.Network, ci.Local, ci.Remote, of), nil
	}
}
