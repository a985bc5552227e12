// Command wsreactor is the WebSocket benchmark's Go-native netplay server:
// netplay's reactor and codecs/ws with a Go handler that echoes each
// message on the conn's loop. It is the ceiling the Lua ws module is
// measured against.
//
//	wsreactor [-addr 127.0.0.1:0] [-loops 0] [-max-conns 0]
//
// The first line on stdout is "listening HOST:PORT". SIGINT or SIGTERM
// stops it gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/netplay-lab/netplay/bench/servers"
	ws "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/reactor"
)

type echo struct {
	reactor.BaseHandler
	// out holds each loop's reply buffer, reused from one OnTraffic to the
	// next; the map is filled before Listen and only read afterwards.
	out map[*reactor.Loop]*[]byte
}

// conn is a conn's state: nil ws until the handshake is done.
type conn struct{ ws *ws.Conn }

func (h *echo) OnOpen(c *reactor.Conn) reactor.Action {
	c.SetContext(&conn{})
	return reactor.None
}

func (h *echo) OnTraffic(c *reactor.Conn) reactor.Action {
	st := c.Context().(*conn)
	in, _ := c.Peek(-1)
	buf := h.out[c.Loop()]
	out := (*buf)[:0]
	used := 0
	if st.ws == nil {
		head, n, err := ws.ParseRequestHead(in, 0)
		if err != nil {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
			return reactor.Close
		}
		if head == nil {
			return reactor.None
		}
		up, err := ws.CheckUpgrade(head.Method, head)
		if err != nil {
			var he *ws.HandshakeError
			errors.As(err, &he)
			c.Write(he.AppendResponse(nil))
			return reactor.Close
		}
		out = ws.AppendAccept(out, up.Key, "", "")
		st.ws = ws.NewConn(ws.Server, ws.Config{})
		used = n
	}
	action := reactor.None
	for action == reactor.None {
		m, n, err := st.ws.Decode(in[used:])
		if err != nil {
			var ce *ws.CloseError
			errors.As(err, &ce)
			out, _ = st.ws.AppendClose(out, ce.Code, ce.Reason)
			action = reactor.Close
			break
		}
		if m.Kind == ws.KindNone && n == 0 {
			break
		}
		used += n
		switch m.Kind {
		case ws.KindText:
			out, _ = st.ws.AppendText(out, m.Data)
		case ws.KindBinary:
			out, _ = st.ws.AppendBinary(out, m.Data)
		case ws.KindPing:
			out, _ = st.ws.AppendPong(out, m.Data)
		case ws.KindClose:
			out = st.ws.AppendCloseReply(out, m.Code)
			action = reactor.Close
		}
	}
	*buf = out
	if len(out) > 0 {
		if _, err := c.Write(out); err != nil {
			return reactor.Close
		}
	}
	c.Discard(used)
	return action
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port; port 0 picks a free one)")
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	maxConns := flag.Int("max-conns", 0, "connection cap for the listener and the engine (0: what the fd limit allows)")
	flag.Parse()
	if *maxConns <= 0 {
		*maxConns = reactor.MaxConnsLimit()
	}
	eng, err := reactor.New(reactor.WithLoops(*loops), reactor.WithMaxConns(*maxConns))
	if err != nil {
		fmt.Fprintf(os.Stderr, "wsreactor: new engine: %v\n", err)
		os.Exit(1)
	}
	h := &echo{out: map[*reactor.Loop]*[]byte{}}
	for _, l := range eng.Loops() {
		h.out[l] = new([]byte)
	}
	ln, err := eng.Listen("tcp://"+*addr, h, reactor.ListenConfig{MaxConns: *maxConns})
	if err != nil {
		fmt.Fprintf(os.Stderr, "wsreactor: listen %s: %v\n", *addr, err)
		os.Exit(1)
	}
	if err := servers.Announce(os.Stdout, ln.Addr().String()); err != nil {
		os.Exit(1)
	}
	servers.WaitSignal()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := eng.Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "wsreactor: stop %s: %v\n", ln.Addr(), err)
	}
}
