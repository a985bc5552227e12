// Command netecho is the benchmark's echo server on Go's net package: one
// goroutine per connection, each echoing through its own reused buffer, or
// with -line echoing '\n'-terminated lines through bufio (servers.NetLineEcho).
//
//	netecho [-addr 127.0.0.1:0] [-buf 4096] [-line]
//
// The first line on stdout is "listening HOST:PORT". SIGINT or SIGTERM stops
// it.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/netplay-lab/netplay/bench/servers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	buf := flag.Int("buf", servers.DefaultNetBuffer, "per-connection buffer size in bytes")
	line := flag.Bool("line", false, "echo lines with bufio framing instead of raw chunks")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "netecho: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	errc := make(chan error, 1)
	go func() {
		if *line {
			errc <- servers.NetLineEcho(ln)
			return
		}
		errc <- servers.NetEcho(ln, *buf)
	}()
	go func() {
		servers.WaitSignal()
		ln.Close()
	}()
	if err := <-errc; err != nil {
		fmt.Fprintf(os.Stderr, "netecho: accept %s: %v\n", ln.Addr(), err)
		os.Exit(1)
	}
}
