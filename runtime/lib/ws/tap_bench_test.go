package ws

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/reactor"
)

// BenchmarkEcho is one 64-byte text message echoed by a ws.listen server
// (inline on the loop) to a gorilla client: the path the tap's hooks sit
// on (one atomic load per read and per write when no tap is attached).
func BenchmarkEcho(b *testing.B) {
	eng, err := reactor.New(reactor.WithLoops(2))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Listen(eng, "ws://127.0.0.1:0/", ServerOptions{}, reactor.ListenConfig{}, &echoH{opened: make(chan *SConn, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		s.Close(ctx)
		eng.Stop(ctx)
	}()
	d := websocket.Dialer{HandshakeTimeout: 2 * time.Second}
	c, _, err := d.Dial("ws://"+s.Addr()+"/", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, 64)
	for i := range msg {
		msg[i] = 'a'
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}
