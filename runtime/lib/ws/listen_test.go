package ws

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/reactor"
)

// echoH echoes inline on the loop and records closes.
type echoH struct {
	mu     sync.Mutex
	closes []string
	opened chan *SConn
}

func (h *echoH) OnEvent(c *SConn, ev Event) {
	switch ev.Kind {
	case EvOpen:
		select {
		case h.opened <- c:
		default:
		}
	case EvMessage:
		if string(ev.Data) == "broadcast" {
			c.srv.Broadcast([]byte("to all"), false)
			return
		}
		c.SendOnLoop(ev.Data, ev.Binary)
	case EvClose:
		h.mu.Lock()
		first, _, _ := strings.Cut(ev.Reason, " ") // "" for a close without a reason
		h.closes = append(h.closes, first)
		h.mu.Unlock()
		c.FinishOnLoop(ev)
	}
}

func startServer(t *testing.T, opts ServerOptions) (*Server, *echoH) {
	t.Helper()
	h := &echoH{opened: make(chan *SConn, 16)}
	eng, err := reactor.New(reactor.WithLoops(2))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Listen(eng, "ws://127.0.0.1:0/", opts, reactor.ListenConfig{}, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		s.Close(ctx)
		eng.Stop(ctx)
	})
	return s, h
}

func TestServerWithGorillaClients(t *testing.T) {
	s, _ := startServer(t, ServerOptions{Subprotocols: []string{"chat"}, Deflate: true})
	url := "ws://" + s.Addr() + "/room"
	var cs []*websocket.Conn
	for i := range 3 {
		d := websocket.Dialer{Subprotocols: []string{"chat"}, EnableCompression: i == 0}
		c, resp, err := d.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Sec-WebSocket-Protocol") != "chat" {
			t.Fatalf("subprotocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		cs = append(cs, c)
	}
	for i, n := range []int{0, 125, 126, 65535, 65536} {
		c := cs[i%3]
		msg := strings.Repeat("é", n/2)
		c.WriteMessage(websocket.TextMessage, []byte(msg))
		if typ, got, err := c.ReadMessage(); err != nil || typ != websocket.TextMessage || string(got) != msg {
			t.Fatalf("echo of %d bytes: %d %d bytes %v", n, typ, len(got), err)
		}
	}
	// Broadcast reaches every conn, across both loops.
	cs[1].WriteMessage(websocket.TextMessage, []byte("broadcast"))
	for i, c := range cs {
		if _, got, err := c.ReadMessage(); err != nil || string(got) != "to all" {
			t.Fatalf("conn %d: %q %v", i, got, err)
		}
	}
	if n := len(s.Conns()); n != 3 {
		t.Fatalf("%d open conns", n)
	}
	// A close code travels both ways.
	cs[2].WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4321, "bye"))
	_, _, err := cs[2].ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4321 {
		t.Fatalf("close answer %v", err)
	}
}

func TestServerBadVersionAnd1002(t *testing.T) {
	s, h := startServer(t, ServerOptions{})
	out, err := exec.Command("/usr/bin/curl", "-s", "-i", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade",
		"-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "-H", "Sec-WebSocket-Version: 7", "http://"+s.Addr()+"/").Output()
	if err == nil && !strings.HasPrefix(string(out), "HTTP/1.1 426") {
		t.Fatalf("curl got %q", out)
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+s.Addr()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// A reserved opcode: the server fails the conn with 1002.
	c.UnderlyingConn().Write([]byte{0x83, 0x80, 1, 2, 3, 4})
	_, _, err = c.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 1002 {
		t.Fatalf("after opcode 3: %v", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		h.mu.Lock()
		got := strings.Join(h.closes, ",")
		h.mu.Unlock()
		if strings.Contains(got, "ws:") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("closes %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestServerPingTimeoutClosesDeadPeer(t *testing.T) {
	s, _ := startServer(t, ServerOptions{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	c, _, err := websocket.DefaultDialer.Dial("ws://"+s.Addr()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Read nothing: gorilla answers pings only while reading, so this peer
	// is silent. The server must close within interval + timeout.
	nc := c.UnderlyingConn()
	nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	var got []byte
	for {
		n, err := nc.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	took := time.Since(start)
	if took > 500*time.Millisecond || !strings.Contains(string(got), "ping timeout") {
		t.Fatalf("closed after %v, got % x", took, got)
	}
}
