// Command reactorecho is the benchmark's echo server on netplay's reactor
// with a Go handler: OnTraffic peeks everything buffered, writes it back and
// discards it.
//
//	reactorecho [-addr 127.0.0.1:0] [-loops 0] [-max-conns 0]
//
// -loops 0 means one loop per GOMAXPROCS. -max-conns raises the reactor's
// per-listener and per-engine connection caps so the idle-connection
// measurement can open 10,000 conns; 0 means as many as the process's
// file-descriptor limit allows (reactor.MaxConnsLimit). The first line on stdout is
// "listening HOST:PORT". SIGINT or SIGTERM stops it gracefully.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/netplay-lab/netplay/bench/servers"
	"github.com/netplay-lab/netplay/reactor"
)

// echo is the reactor handler: every readable byte goes straight back.
type echo struct {
	reactor.BaseHandler
}

// OnTraffic writes all buffered inbound bytes back to c and consumes them.
func (*echo) OnTraffic(c *reactor.Conn) reactor.Action {
	p, _ := c.Peek(-1)
	if len(p) == 0 {
		return reactor.None
	}
	if _, err := c.Write(p); err != nil {
		return reactor.Close
	}
	if _, err := c.Discard(len(p)); err != nil {
		return reactor.Close
	}
	return reactor.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	maxConns := flag.Int("max-conns", 0, "connection cap for the listener and the engine (0: what RLIMIT_NOFILE allows)")
	flag.Parse()
	if *maxConns <= 0 {
		*maxConns = reactor.MaxConnsLimit()
	}

	eng, err := reactor.New(reactor.WithLoops(*loops), reactor.WithMaxConns(*maxConns))
	if err != nil {
		fmt.Fprintf(os.Stderr, "reactorecho: new engine: %v\n", err)
		os.Exit(1)
	}
	ln, err := eng.Listen("tcp://"+*addr, &echo{}, reactor.ListenConfig{MaxConns: *maxConns})
	if err != nil {
		fmt.Fprintf(os.Stderr, "reactorecho: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	servers.WaitSignal()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "reactorecho: stop %s: %v\n", ln.Addr(), err)
	}
}
