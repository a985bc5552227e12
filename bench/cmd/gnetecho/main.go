// Command gnetecho is the benchmark's echo server on
// github.com/panjf2000/gnet/v2 in the library's idiomatic form (OnTraffic
// writes back Next(-1) on the event loop), a reference point for netplay's
// reactor.
//
//	gnetecho [-addr 127.0.0.1:0] [-loops 0]
//
// -loops 0 runs one event loop per CPU. The first line on stdout is
// "listening HOST:PORT". SIGINT or SIGTERM stops it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/netplay-lab/netplay/bench/servers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	loops := flag.Int("loops", 0, "event loops (0: one per CPU)")
	flag.Parse()

	s, err := servers.StartGnetEcho(*addr, *loops)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gnetecho: %v\n", err)
		os.Exit(1)
	}
	servers.Serve("gnetecho", s)
}
