package e2e

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	wsc "github.com/netplay-lab/netplay/codecs/ws"
)

const (
	wsEcho    = "../scripts/examples/ws_echo.lua"
	wsClient  = "../scripts/examples/ws_client.lua"
	peersDir  = "../codecs/ws/testdata/peers"
	pyWSCheck = "import websockets"
)

// needPyWS skips (or fails under CI) without python3-websockets.
func needPyWS(t *testing.T) {
	t.Helper()
	if exec.Command("/usr/bin/python3", "-c", pyWSCheck).Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-websockets is not installed (CI must install it)")
		}
		t.Skip("python3-websockets is not installed")
	}
}

// haveNodeWS reports whether node can load Debian's node-ws (skips the
// node part without it; fails under CI).
func haveNodeWS(t *testing.T) bool {
	t.Helper()
	if os.Getenv("NODE_PATH") == "" {
		t.Setenv("NODE_PATH", "/usr/share/nodejs")
	}
	if exec.Command("node", "-e", "require('ws')").Run() == nil {
		return true
	}
	if os.Getenv("CI") != "" {
		t.Fatal("node ws is not installed (CI must install node-ws)")
	}
	t.Log("node ws is not installed: skipping the node client")
	return false
}

// TestWSEchoPeers runs python3-websockets and node ws against ws_echo.lua
// on the script VM and on loop VMs: echo of 0-65536 byte text and binary
// messages, a fragmented message, ping/pong, a close code, with and without
// permessage-deflate.
func TestWSEchoPeers(t *testing.T) {
	needPyWS(t)
	for _, mode := range []string{"script", "loop"} {
		addr := startScript(t, wsEcho, "0", mode)
		for _, comp := range []string{"plain", "deflate"} {
			out := run(t, 30*time.Second, "", "/usr/bin/python3", peersDir+"/py_client.py", "ws://"+addr+"/", comp, "4001")
			if !strings.HasPrefix(out, "OK "+comp) {
				t.Fatalf("%s VM, python %s: %s", mode, comp, out)
			}
			if !haveNodeWS(t) {
				continue
			}
			out = run(t, 30*time.Second, "", "node", peersDir+"/node_client.js", "ws://"+addr+"/", comp)
			if !strings.HasPrefix(out, "OK "+comp) {
				t.Fatalf("%s VM, node %s: %s", mode, comp, out)
			}
		}
	}
}

// TestWSEchoGorilla: gorilla/websocket fragments large messages (its write
// buffer is small) and pings between them.
func TestWSEchoGorilla(t *testing.T) {
	addr := startScript(t, wsEcho, "0")
	d := websocket.Dialer{WriteBufferSize: 512}
	c, _, err := d.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	pong := make(chan string, 1)
	c.SetPongHandler(func(s string) error { pong <- s; return nil })
	for _, n := range []int{1, 5000, 100000} {
		w, _ := c.NextWriter(websocket.BinaryMessage)
		msg := bytes.Repeat([]byte{'z'}, n)
		w.Write(msg[:n/2])
		c.WriteControl(websocket.PingMessage, []byte("mid"), time.Now().Add(time.Second))
		w.Write(msg[n/2:])
		w.Close()
		typ, got, err := c.ReadMessage()
		if err != nil || typ != websocket.BinaryMessage || !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: type %d, %d bytes, %v", n, typ, len(got), err)
		}
		if p := <-pong; p != "mid" {
			t.Fatalf("pong %q", p)
		}
	}
}

// rawConn does the handshake on a raw socket, for sending broken frames.
func rawConn(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	key := wsc.NewKey()
	nc.Write(wsc.AppendRequest(nil, wsc.ClientRequest{Host: addr, Key: key}))
	rd := bufio.NewReader(nc)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		head = append(head, line...)
	}
	h, _, err := wsc.ParseResponseHead(head, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wsc.CheckResponse(h, key, nil); err != nil {
		t.Fatal(err)
	}
	return nc, rd
}

func mframe(fin bool, op wsc.Opcode, rsv uint8, payload string) []byte {
	return wsc.AppendFrame(nil, wsc.Header{Fin: fin, Rsv: rsv, Op: op, Masked: true, Key: [4]byte{1, 2, 3, 4}}, []byte(payload))
}

// TestWSFailCases sends each broken frame to ws_echo.lua on a raw socket:
// the server answers with a close frame carrying the code Autobahn expects
// and closes the TCP conn; nothing after the bad frame is echoed.
func TestWSFailCases(t *testing.T) {
	addr := startScript(t, wsEcho, "0")
	huge := wsc.AppendHeader(nil, wsc.Header{Fin: true, Op: wsc.OpBinary, Masked: true, Length: 1 << 40})
	closeP := func(code int) string { return string(binary.BigEndian.AppendUint16(nil, uint16(code))) }
	cases := []struct {
		name  string
		bytes []byte
		code  int
		echo  string // a message echoed before the failure
	}{
		{"reserved opcode 3", append(mframe(true, wsc.OpText, 0, "ok"), mframe(true, 3, 0, "")...), 1002, "ok"},
		{"reserved opcode 11", mframe(true, 11, 0, ""), 1002, ""},
		{"RSV2 without extension", mframe(true, wsc.OpText, wsc.Rsv2, "x"), 1002, ""},
		{"unmasked frame", wsc.AppendFrame(nil, wsc.Header{Fin: true, Op: wsc.OpText}, []byte("x")), 1002, ""},
		{"continuation with nothing to continue", mframe(true, wsc.OpContinuation, 0, "x"), 1002, ""},
		{"text inside a fragmented message", append(mframe(false, wsc.OpText, 0, "a"), mframe(true, wsc.OpText, 0, "b")...), 1002, ""},
		{"fragmented ping", mframe(false, wsc.OpPing, 0, ""), 1002, ""},
		{"126-byte ping", mframe(true, wsc.OpPing, 0, strings.Repeat("p", 126)), 1002, ""},
		{"close payload of 1 byte", mframe(true, wsc.OpClose, 0, "x"), 1002, ""},
		{"close code 1005", mframe(true, wsc.OpClose, 0, closeP(1005)), 1002, ""},
		{"close code 2999", mframe(true, wsc.OpClose, 0, closeP(2999)), 1002, ""},
		{"close code 5000", mframe(true, wsc.OpClose, 0, closeP(5000)), 1002, ""},
		{"invalid UTF-8 text", mframe(true, wsc.OpText, 0, "\xce\xba\xed\xa0\x80"), 1007, ""},
		{"invalid UTF-8 close reason", mframe(true, wsc.OpClose, 0, closeP(1000)+"\xff"), 1007, ""},
		{"over max_message", huge, 1009, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, rd := rawConn(t, addr)
			nc.Write(tc.bytes)
			got := readServerFrames(t, rd)
			want := []string{}
			if tc.echo != "" {
				want = append(want, "text:"+tc.echo)
			}
			if len(got) != len(want)+1 || !strings.HasPrefix(got[len(got)-1], "close:"+strconv.Itoa(tc.code)+":") {
				t.Fatalf("server sent %q, want %q then close %d", got, want, tc.code)
			}
		})
	}
	// Invalid UTF-8 fails at the bad fragment, before the message ends.
	nc, rd := rawConn(t, addr)
	nc.Write(mframe(false, wsc.OpText, 0, "\xce\xba"))
	nc.Write(mframe(false, wsc.OpContinuation, 0, "\xf4\x90\x80\x80"))
	if got := readServerFrames(t, rd); len(got) != 1 || !strings.HasPrefix(got[0], "close:1007:") {
		t.Fatalf("fragmented bad UTF-8: server sent %q", got)
	}
}

// readServerFrames reads unmasked server frames until EOF.
func readServerFrames(t *testing.T, rd *bufio.Reader) []string {
	t.Helper()
	data, err := io.ReadAll(rd)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading until the server closes: %v", err)
	}
	c := wsc.NewConn(wsc.Client, wsc.Config{})
	var got []string
	for len(data) > 0 {
		m, n, err := c.Decode(data)
		if err != nil || (m.Kind == wsc.KindNone && n == 0) {
			t.Fatalf("server frames % x: %v", data, err)
		}
		data = data[n:]
		if m.Kind == wsc.KindClose {
			got = append(got, "close:"+strconv.Itoa(m.Code)+":"+m.Reason)
		} else if m.Kind != wsc.KindNone {
			got = append(got, m.Kind.String()+":"+string(m.Data))
		}
	}
	return got
}

// TestWSServerCloseCode: a Lua server closes with its own code; python
// sees it.
func TestWSServerCloseCode(t *testing.T) {
	needPyWS(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "closer.lua")
	os.WriteFile(script, []byte(`local srv = assert(ws.listen("ws://127.0.0.1:0/", {
  on_message = function(c, msg) c:close(4321, "go " .. msg) end,
}))
print("listening on " .. srv.addr)
`), 0o644)
	addr := startScript(t, script)
	py := filepath.Join(dir, "c.py")
	os.WriteFile(py, []byte(`import asyncio, sys, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        await ws.send("away")
        try:
            await ws.recv()
        except websockets.ConnectionClosed as e:
            print("closed", e.code, e.reason)
asyncio.run(main())
`), 0o644)
	out := run(t, 20*time.Second, "", "/usr/bin/python3", py, "ws://"+addr+"/")
	if strings.TrimSpace(out) != "closed 4321 go away" {
		t.Fatalf("python saw %q", out)
	}
}

// TestWSChatBroadcast: ws_chat.lua sends each message to every client,
// whichever event loop holds its conn.
func TestWSChatBroadcast(t *testing.T) {
	addr := startScript(t, "../scripts/examples/ws_chat.lua", "0")
	var cs []*websocket.Conn
	for i := range 3 {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		// its welcome (an earlier client's "joined" may come first: the
		// broadcast can run a moment after this conn opened)
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if strings.HasPrefix(string(msg), "welcome guest") {
				break
			}
		}
		cs = append(cs, c)
	}
	cs[0].WriteMessage(websocket.TextMessage, []byte("/nick ana"))
	cs[0].WriteMessage(websocket.TextMessage, []byte("hello all"))
	for i, c := range cs {
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("client %d: %v", i, err)
			}
			if string(msg) == "ana: hello all" {
				break
			}
		}
	}
}

// TestWSLargeMessages: Autobahn's 9.x sizes, up to 16 MiB in one frame and
// in 64 KiB fragments, through ws_echo.lua (max_message = 16 MiB).
func TestWSLargeMessages(t *testing.T) {
	addr := startScript(t, wsEcho, "0")
	for _, frag := range []int{0, 64 << 10} {
		d := websocket.Dialer{WriteBufferSize: max(frag, 4096), ReadBufferSize: 1 << 20}
		if frag == 0 {
			d.WriteBufferSize = 17 << 20 // one frame
		}
		c, _, err := d.Dial("ws://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadLimit(32 << 20)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		for _, n := range []int{1 << 20, 16 << 20} {
			msg := bytes.Repeat([]byte("0123456789abcdef"), n/16)
			if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				t.Fatal(err)
			}
			_, got, err := c.ReadMessage()
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("fragments of %d: %d bytes: got %d, %v", frag, n, len(got), err)
			}
		}
		// One byte over max_message fails with 1009.
		c.WriteMessage(websocket.BinaryMessage, make([]byte, 16<<20+1))
		_, _, err = c.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 1009 {
			t.Fatalf("16 MiB + 1: %v", err)
		}
		c.Close()
	}
}
