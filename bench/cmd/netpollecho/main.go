// Command netpollecho is the benchmark's echo server on
// github.com/cloudwego/netpoll in the library's idiomatic form (OnRequest
// reads Reader().Next(Len()), writes it to the Writer and flushes).
//
//	netpollecho [-addr 127.0.0.1:0] [-pollers 0]
//
// -pollers 0 keeps netpoll's default number of poll loops. The first line on
// stdout is "listening HOST:PORT". SIGINT or SIGTERM stops it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/netplay-lab/netplay/bench/servers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	pollers := flag.Int("pollers", 0, "netpoll poll loops (0: netpoll's default)")
	flag.Parse()

	s, err := servers.StartNetpollEcho(*addr, *pollers)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netpollecho: %v\n", err)
		os.Exit(1)
	}
	servers.Serve("netpollecho", s)
}
