// Command wsgorilla is the WebSocket benchmark's reference server:
// gorilla/websocket on Go's net/http, one goroutine per conn reading a
// message and writing it back (the way most Go WebSocket servers are
// written).
//
//	wsgorilla [-addr 127.0.0.1:0]
//
// The first line on stdout is "listening HOST:PORT". SIGINT or SIGTERM
// stops it.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/bench/servers"
)

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

func echo(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		typ, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(typ, msg); err != nil {
			return
		}
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "wsgorilla: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(echo), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	servers.WaitSignal()
	srv.Close()
}
