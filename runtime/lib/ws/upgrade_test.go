package ws_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// These tests run ws.upgrade from http.listen handlers against real
// clients: gorilla/websocket and python3-websockets for WebSocket, Go's
// net/http for plain requests on the same server, raw sockets for the
// refusals and for frames pipelined behind the upgrade request.

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type upLab struct {
	t        *testing.T
	rt       *runtime.Runtime
	out, err *syncBuf
}

func newUpLab(t *testing.T) *upLab {
	t.Helper()
	l := &upLab{t: t, out: &syncBuf{}, err: &syncBuf{}}
	rt, err := runtime.New(runtime.Options{Stdout: l.out, Stderr: l.err, Loops: 2})
	if err != nil {
		t.Fatal(err)
	}
	l.rt = rt
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", l.out, l.err)
		}
	})
	return l
}

func (l *upLab) eval(src string) string {
	l.t.Helper()
	var got string
	err := l.rt.Eval(context.Background(), "test", src, func(L *lua.LState, vals []lua.LValue) {
		if len(vals) > 0 {
			got = vals[0].String()
		}
	})
	if err != nil {
		l.t.Fatalf("%v\nstderr: %s", err, l.err)
	}
	return got
}

// handlerFile is the http.listen handler the tests serve, on the script VM
// and on loop VMs (read there as a file in the script's folder).
const handlerFile = "testdata/upgrade_handler.lua"

// echoHandler is handlerFile's function, as Lua source.
func echoHandler(t *testing.T) string {
	src, err := os.ReadFile(handlerFile)
	if err != nil {
		t.Fatal(err)
	}
	_, fn, ok := strings.Cut(string(src), "\nreturn ")
	if !ok {
		t.Fatalf("%s: no 'return function'", handlerFile)
	}
	return fn
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startScriptVM serves echoHandler on the script VM and returns its address.
func startScriptVM(t *testing.T) (*upLab, string) {
	l := newUpLab(t)
	addr := l.eval("srv = assert(http.listen('http://127.0.0.1:0', " + echoHandler(t) + "))\nreturn srv.addr")
	return l, addr
}

// startLoopVMs serves echoHandler on loop VMs (vm = "loop").
func startLoopVMs(t *testing.T) (*upLab, string) {
	l := newUpLab(t)
	addr := l.eval(fmt.Sprintf("srv = assert(http.listen('http://127.0.0.1:0', {vm = 'loop', handler = %q}))\nreturn srv.addr", handlerFile))
	return l, addr
}

// gorillaEcho upgrades at /chat, echoes text and binary, and sees the
// server's close code; a plain GET on the same server answers 200.
func gorillaEcho(t *testing.T, addr string) {
	d := websocket.Dialer{Subprotocols: []string{"chat"}, HandshakeTimeout: 3 * time.Second}
	c, resp, err := d.Dial("ws://"+addr+"/chat", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Protocol") != "chat" {
		t.Fatalf("handshake: %d, protocol %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i, n := range []int{0, 125, 126, 65536} {
		kind := websocket.TextMessage
		if i%2 == 1 {
			kind = websocket.BinaryMessage
		}
		msg := strings.Repeat("x", n)
		if err := c.WriteMessage(kind, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		k, got, err := c.ReadMessage()
		if err != nil || k != kind || string(got) != msg {
			t.Fatalf("echo of %d bytes: kind %d, %d bytes, %v", n, k, len(got), err)
		}
	}
	// A plain request on the same server, while the WebSocket is open.
	res, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + addr + "/index")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "page /index" {
		t.Fatalf("GET: %d %q", res.StatusCode, body)
	}
	c.WriteMessage(websocket.TextMessage, []byte("bye"))
	_, _, err = c.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4002 || ce.Text != "server bye" {
		t.Fatalf("want the server's close 4002, got %v", err)
	}
}

func TestUpgradeScriptVM(t *testing.T) {
	l, addr := startScriptVM(t)
	gorillaEcho(t, addr)
	waitUntil(t, "on_close", 3*time.Second, func() bool { return l.eval("return closes and closes[1] or ''") == "4002" })
	if got := l.eval("return opened .. ' ' .. last_proto"); got != "1 chat" {
		t.Fatalf("on_open: %q", got)
	}
}

func TestUpgradeLoopVMs(t *testing.T) {
	_, addr := startLoopVMs(t)
	gorillaEcho(t, addr)
}

// TestUpgradeActiveCount: while a WebSocket is open, the HTTP server
// counts only its HTTP conns.
func TestUpgradeActiveCount(t *testing.T) {
	l, addr := startScriptVM(t)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	c.WriteMessage(websocket.TextMessage, []byte("ping"))
	if _, m, err := c.ReadMessage(); err != nil || string(m) != "ping" {
		t.Fatalf("echo: %q %v", m, err)
	}
	if got := l.eval("return srv:stats().active"); got != "0" {
		t.Fatalf("active with one WebSocket open: %s, want 0", got)
	}
}

// rawUpgrade is an upgrade request for /chat with the given version.
func rawUpgrade(version string) string {
	return "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n\r\n"
}

// readHead reads a response head.
func readHead(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a head: %v (so far %q)", err, b.String())
		}
		b.WriteString(line)
		if line == "\r\n" {
			return b.String()
		}
	}
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c, bufio.NewReader(c)
}

func TestUpgradeRefusals(t *testing.T) {
	_, addr := startScriptVM(t)
	for _, tc := range []struct{ req, status string }{
		{rawUpgrade("8"), "HTTP/1.1 426"},
		{"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 400"},
	} {
		c, r := dial(t, addr)
		io.WriteString(c, tc.req)
		head := readHead(t, r)
		if !strings.HasPrefix(head, tc.status) {
			t.Fatalf("%q: got %q, want %s", tc.req, head, tc.status)
		}
		if tc.status == "HTTP/1.1 426" && !strings.Contains(head, "Sec-WebSocket-Version: 13") {
			t.Fatalf("426 without Sec-WebSocket-Version: 13: %q", head)
		}
		// A refusal closes the conn, as ws.listen's does.
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatalf("conn not closed after the refusal: %v", err)
		}
	}
}

// maskedText is a client text frame (masked, as RFC 6455 requires).
func maskedText(s string) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := []byte{0x81, 0x80 | byte(len(s)), key[0], key[1], key[2], key[3]}
	for i := range len(s) {
		f = append(f, s[i]^key[i%4])
	}
	return f
}

// TestUpgradePipelinedFrame: a frame in the same write as the upgrade
// request is read by the WebSocket side, not lost and not parsed as HTTP.
func TestUpgradePipelinedFrame(t *testing.T) {
	for name, start := range map[string]func(*testing.T) (*upLab, string){"script": startScriptVM, "loop": startLoopVMs} {
		t.Run(name, func(t *testing.T) {
			_, addr := start(t)
			c, r := dial(t, addr)
			if _, err := c.Write(append([]byte(rawUpgrade("13")), maskedText("early")...)); err != nil {
				t.Fatal(err)
			}
			head := readHead(t, r)
			if !strings.HasPrefix(head, "HTTP/1.1 101") || !strings.Contains(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
				t.Fatalf("want 101 with the RFC's accept key, got %q", head)
			}
			hdr := make([]byte, 2)
			if _, err := io.ReadFull(r, hdr); err != nil {
				t.Fatalf("no echo of the pipelined frame: %v", err)
			}
			payload := make([]byte, hdr[1]&0x7f)
			io.ReadFull(r, payload)
			if hdr[0] != 0x81 || string(payload) != "early" {
				t.Fatalf("echo: % x %q", hdr, payload)
			}
		})
	}
}

// TestUpgradePythonWebsockets: python3-websockets echoes text and binary
// through an upgrade from http.listen, and close codes go both ways.
func TestUpgradePythonWebsockets(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import websockets").Run() != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-websockets is not installed (CI must install it)")
		}
		t.Skip("python3-websockets is not installed")
	}
	l, addr := startScriptVM(t)
	script := `
import asyncio, sys, websockets
async def main(url):
    async with websockets.connect(url, subprotocols=["chat"]) as ws:
        print("protocol", ws.subprotocol)
        await ws.send("hello"); print("text", await ws.recv())
        await ws.send(b"\x00\x01\x02"); m = await ws.recv(); print("binary", type(m).__name__, list(m))
        await ws.close(4001, "client bye")
    async with websockets.connect(url) as ws:
        await ws.send("bye")
        try:
            await ws.recv()
        except websockets.exceptions.ConnectionClosed as e:
            print("server close", e.rcvd.code, e.rcvd.reason)
asyncio.run(main(sys.argv[1]))
`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/bin/python3", "-c", script, "ws://"+addr+"/chat").CombinedOutput()
	if err != nil {
		t.Fatalf("python client: %v\n%s", err, out)
	}
	want := "protocol chat\ntext hello\nbinary bytes [0, 1, 2]\nserver close 4002 server bye\n"
	if string(out) != want {
		t.Fatalf("python client said:\n%s\nwant:\n%s", out, want)
	}
	waitUntil(t, "both closes", 3*time.Second, func() bool {
		return l.eval("table.sort(closes or {}); return table.concat(closes or {}, ' ')") == "4001 4002"
	})
}

// TestUpgradeExample runs scripts/examples/http_ws.lua: the page at /, the
// echo at /ws, 404 elsewhere.
func TestUpgradeExample(t *testing.T) {
	l := newUpLab(t)
	if err := l.rt.RunFile("../../../scripts/examples/http_ws.lua", []string{"0"}); err != nil {
		t.Fatal(err)
	}
	var addr string
	re := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)
	waitUntil(t, "the example's address", 3*time.Second, func() bool {
		m := re.FindStringSubmatch(l.out.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	res, err := (&http.Client{Timeout: 3 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "new WebSocket") {
		t.Fatalf("GET /: %d %q", res.StatusCode, body)
	}
	d := websocket.Dialer{Subprotocols: []string{"echo"}, HandshakeTimeout: 3 * time.Second}
	c, _, err := d.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	c.WriteMessage(websocket.BinaryMessage, []byte{9, 8, 7})
	if k, m, err := c.ReadMessage(); err != nil || k != websocket.BinaryMessage || string(m) != "\x09\x08\x07" {
		t.Fatalf("echo: %d %q %v", k, m, err)
	}
	c.WriteMessage(websocket.TextMessage, []byte("bye"))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, 4000) {
		t.Fatalf("want close 4000, got %v", err)
	}
	waitUntil(t, "the example's close line", 3*time.Second, func() bool {
		return strings.Contains(l.out.String(), "ws close: conn ") && strings.Contains(l.out.String(), " 4000")
	})
}

// TestUpgradeServerClose: srv:close() on the HTTP server sends its
// WebSockets a 1001 close before the listener closes them.
func TestUpgradeServerClose(t *testing.T) {
	l, addr := startScriptVM(t)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	c.WriteMessage(websocket.TextMessage, []byte("x"))
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	l.eval("srv:close()")
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("want a 1001 close, got %v", err)
	}
}

// TestUpgradeAfterKeepAlive: a conn that carried a plain request (kept
// alive) upgrades on its second request; the first got an ordinary 200.
func TestUpgradeAfterKeepAlive(t *testing.T) {
	_, addr := startScriptVM(t)
	c, r := dial(t, addr)
	io.WriteString(c, "GET /first HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	head := readHead(t, r)
	if !strings.HasPrefix(head, "HTTP/1.1 200") || strings.Contains(strings.ToLower(head), "connection: close") {
		t.Fatalf("first request: %q", head)
	}
	body := make([]byte, len("page /first"))
	if _, err := io.ReadFull(r, body); err != nil || string(body) != "page /first" {
		t.Fatalf("first body %q %v", body, err)
	}
	c.Write(append([]byte(rawUpgrade("13")), maskedText("second")...))
	if head := readHead(t, r); !strings.HasPrefix(head, "HTTP/1.1 101") {
		t.Fatalf("upgrade on a kept-alive conn: %q", head)
	}
	frame := make([]byte, 2+len("second"))
	if _, err := io.ReadFull(r, frame); err != nil || string(frame[2:]) != "second" {
		t.Fatalf("echo: %q %v", frame, err)
	}
}
