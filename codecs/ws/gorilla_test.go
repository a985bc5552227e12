package ws

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestGorillaClient runs gorilla/websocket's client against the codec:
// messages gorilla fragments (its write buffer is smaller than them), with
// and without compression, ping/pong and a close code.
func TestGorillaClient(t *testing.T) {
	for _, compress := range []bool{false, true} {
		s := startEcho(t, compress)
		d := websocket.Dialer{WriteBufferSize: 1024, EnableCompression: compress, HandshakeTimeout: 5 * time.Second}
		c, resp, err := d.Dial(s.url(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Get("Sec-WebSocket-Extensions") != ""; got != compress {
			t.Fatalf("compress=%v: extension answered %v", compress, got)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		pongs := make(chan string, 1)
		c.SetPongHandler(func(p string) error { pongs <- p; return nil })
		for _, n := range []int{0, 1, 125, 126, 4000, 65536, 200000} {
			msg := bytes.Repeat([]byte{'g'}, n)
			for _, typ := range []int{websocket.TextMessage, websocket.BinaryMessage} {
				if err := c.WriteMessage(typ, msg); err != nil {
					t.Fatal(err)
				}
				gotType, got, err := c.ReadMessage()
				if err != nil || gotType != typ || !bytes.Equal(got, msg) {
					t.Fatalf("compress=%v size %d type %d: got type %d, %d bytes, %v", compress, n, typ, gotType, len(got), err)
				}
			}
		}
		if err := c.WriteControl(websocket.PingMessage, []byte("g?"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		go c.ReadMessage() // runs the pong handler, then reads the close
		select {
		case p := <-pongs:
			if p != "g?" {
				t.Fatalf("pong %q", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no pong")
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(3333, "gorilla"), time.Now().Add(time.Second))
		if code := <-s.codes; code != 3333 {
			t.Fatalf("server saw close %d", code)
		}
		c.Close()
	}
}
