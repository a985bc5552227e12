// Command wsgws is the WebSocket benchmark's second reference server:
// lxzan/gws with its own accept loop (gws.NewServer + RunListener: it
// parses the upgrade request itself, without net/http), a goroutine per
// conn running gws's ReadLoop, and an OnMessage that writes the message
// back, as gws's echo example does.
//
//	wsgws [-addr 127.0.0.1:0]
//
// The first line on stdout is "listening HOST:PORT". SIGINT or SIGTERM
// stops it.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/lxzan/gws"
	"github.com/netplay-lab/netplay/bench/servers"
)

// echo writes every message back with its opcode; gws answers pings and
// closes by itself through BuiltinEventHandler's defaults.
type echo struct{ gws.BuiltinEventHandler }

func (echo) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func (echo) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close() // gives the message's buffer back to gws's pool
	_ = c.WriteMessage(m.Opcode, m.Bytes())
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wsgws: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	srv := gws.NewServer(echo{}, &gws.ServerOption{
		// ParallelEnabled stays off, as in gws's echo example: an echo
		// costs less than handing a message to another goroutine, and
		// with it on the echoes of one conn could leave out of order
		// (wsload checks them in order). The README's "best practice"
		// turns it on for handlers that do real work per message.
		ParallelEnabled: false,
		// Text messages are checked for UTF-8 as netplay's server
		// checks them (gws's echo example turns this on too).
		CheckUtf8Enabled: true,
		// No permessage-deflate: wsload does not offer it, and the other
		// servers of the comparison do not compress either.
		Recovery: gws.Recovery,
	})
	srv.OnError = func(net.Conn, error) {} // a peer's bad handshake or reset is not news in a benchmark
	go srv.RunListener(ln)
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	servers.WaitSignal()
	// RunListener retries a failed Accept at once and for ever (out of
	// file descriptors it spins; run.sh raises the limit to the hard one),
	// so the listener is not closed here: the process exits and the
	// kernel closes it.
}
