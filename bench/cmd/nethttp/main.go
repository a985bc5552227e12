// Command nethttp is the HTTP benchmark's reference server on Go's
// net/http: a "hello" handler, keep-alive on, Go's defaults otherwise.
//
//	nethttp [-addr 127.0.0.1:0]
//
// The first line on stdout is "listening HOST:PORT". SIGINT or SIGTERM stops
// it.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/netplay-lab/netplay/bench/servers"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "nethttp: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello\n")
	})}
	go func() {
		servers.WaitSignal()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintf(os.Stderr, "nethttp: serve %s: %v\n", ln.Addr(), err)
		os.Exit(1)
	}
}
