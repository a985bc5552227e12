package ws

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// These tests run the codec against real peers (python3-websockets,
// node ws, gorilla/websocket) over loopback TCP, with a blocking
// goroutine-per-conn driver written here: the runtime's own driver is
// tested in e2e. A missing peer skips, or fails when CI is set.

func needPeer(t *testing.T, path string, check ...string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil && len(check) == 0 {
		return
	}
	if err := exec.Command(path, check...).Run(); err == nil && len(check) > 0 {
		return
	}
	msg := fmt.Sprintf("peer %s %v is not installed", path, check)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func needPython(t *testing.T) { needPeer(t, "/usr/bin/python3", "-c", "import websockets") }
func needNode(t *testing.T) {
	if os.Getenv("NODE_PATH") == "" {
		t.Setenv("NODE_PATH", "/usr/share/nodejs")
	}
	needPeer(t, "/usr/bin/node", "-e", "require('ws')")
}

// echoServer is a test server: it upgrades each conn, echoes data
// messages, answers pings and closes as the codec says.
type echoServer struct {
	ln      net.Listener
	deflate bool
	codes   chan int // close codes received from clients
}

func startEcho(t *testing.T, deflate bool) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{ln: ln, deflate: deflate, codes: make(chan int, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(nc)
		}
	}()
	return s
}

func (s *echoServer) url() string { return "ws://" + s.ln.Addr().String() + "/echo" }

func (s *echoServer) serve(nc net.Conn) {
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	var buf []byte
	rd := make([]byte, 64<<10)
	var head *Head
	for head == nil {
		n, err := nc.Read(rd)
		if err != nil {
			return
		}
		buf = append(buf, rd[:n]...)
		h, used, err := ParseRequestHead(buf, 0)
		if err != nil {
			return
		}
		if h != nil {
			head, buf = h, buf[used:]
		}
	}
	up, err := CheckUpgrade(head.Method, head)
	if err != nil {
		var he *HandshakeError
		errors.As(err, &he)
		nc.Write(he.AppendResponse(nil))
		return
	}
	cfg := Config{MaxMessage: 1 << 24}
	ext := ""
	if s.deflate {
		if p, answer, ok := AcceptDeflate(up.Extensions, DeflateConfig{}); ok {
			cfg.Deflate, ext = &p, answer
		}
	}
	if _, err := nc.Write(AppendAccept(nil, up.Key, SelectSubprotocol(up.Protocols, []string{"echo"}), ext)); err != nil {
		return
	}
	c := NewConn(Server, cfg)
	runConn(nc, c, buf, rd, func(m Message) []byte {
		var out []byte
		switch m.Kind {
		case KindText:
			out, _ = c.AppendText(nil, m.Data)
		case KindBinary:
			out, _ = c.AppendBinary(nil, m.Data)
		case KindClose:
			s.codes <- m.Code
		}
		return out
	})
}

// runConn is the read loop both test drivers share: decode, answer pings
// and closes as the protocol requires, hand data messages to onMsg.
func runConn(nc net.Conn, c *Conn, buf, rd []byte, onMsg func(Message) []byte) {
	for {
		for {
			m, n, err := c.Decode(buf)
			if err != nil {
				var ce *CloseError
				errors.As(err, &ce)
				out, _ := c.AppendClose(nil, ce.Code, ce.Reason)
				nc.Write(out)
				return
			}
			if m.Kind == KindNone && n == 0 {
				break
			}
			var out []byte
			switch m.Kind {
			case KindPing:
				out, _ = c.AppendPong(nil, m.Data)
			case KindClose:
				onMsg(m)
				nc.Write(c.AppendCloseReply(nil, m.Code))
				if c.Role() == Client {
					io.Copy(io.Discard, nc) // the server closes TCP first
				}
				return
			case KindText, KindBinary, KindPong:
				out = onMsg(m)
			}
			if len(out) > 0 {
				if _, err := nc.Write(out); err != nil {
					return
				}
			}
			buf = buf[n:]
		}
		buf = append([]byte(nil), buf...) // keep unconsumed bytes, drop the rest
		k, err := nc.Read(rd)
		if err != nil {
			return
		}
		buf = append(buf, rd[:k]...)
	}
}

// runPeer runs a peer program and returns its output, failing t unless it
// printed a line starting with OK.
func runPeer(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK") {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestPythonClient(t *testing.T) {
	needPython(t)
	for _, mode := range []string{"plain", "deflate"} {
		s := startEcho(t, mode == "deflate")
		out := runPeer(t, "/usr/bin/python3", "testdata/peers/py_client.py", s.url(), mode, "4001")
		if mode == "deflate" && !strings.Contains(out, "permessage-deflate") {
			t.Fatalf("deflate not negotiated: %s", out)
		}
		if code := <-s.codes; code != 4001 {
			t.Fatalf("server saw close code %d", code)
		}
		t.Log(out)
	}
}

func TestNodeClient(t *testing.T) {
	needNode(t)
	for _, mode := range []string{"plain", "deflate"} {
		s := startEcho(t, mode == "deflate")
		out := runPeer(t, "/usr/bin/node", "testdata/peers/node_client.js", s.url(), mode)
		if mode == "deflate" && !strings.Contains(out, "permessage-deflate") {
			t.Fatalf("deflate not negotiated: %s", out)
		}
		t.Log(out)
	}
}

// startPython runs py_server.py and returns its ws:// URL.
func startPython(t *testing.T, mode string) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", "testdata/peers/py_server.py", mode)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "PORT ")
	if err != nil || !ok {
		t.Fatalf("python server said %q: %v", line, err)
	}
	return "127.0.0.1:" + port
}

// TestClientAgainstPythonServer drives the codec's client side against
// python-websockets' server, with and without compression.
func TestClientAgainstPythonServer(t *testing.T) {
	needPython(t)
	for _, mode := range []string{"plain", "deflate"} {
		addr := startPython(t, mode)
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(20 * time.Second))
		key := NewKey()
		req := ClientRequest{Host: addr, Path: "/", Key: key}
		if mode == "deflate" {
			req.Extensions = DeflateOffer(DeflateConfig{})
		}
		nc.Write(AppendRequest(nil, req))
		rd := make([]byte, 64<<10)
		var buf []byte
		var head *Head
		for head == nil {
			n, err := nc.Read(rd)
			if err != nil {
				t.Fatal(err)
			}
			buf = append(buf, rd[:n]...)
			if head, n, err = ParseResponseHead(buf, 0); err != nil {
				t.Fatal(err)
			}
			buf = buf[n:]
		}
		_, exts, err := CheckResponse(head, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, on, err := ParseDeflateResponse(exts, DeflateConfig{})
		if err != nil || on != (mode == "deflate") {
			t.Fatalf("deflate on=%v err=%v", on, err)
		}
		cfg := Config{MaxMessage: 1 << 24}
		if on {
			cfg.Deflate = &p
		}
		c := NewConn(Client, cfg)
		var sent, got []string
		var out []byte
		for _, n := range []int{0, 125, 126, 127, 65535, 65536} {
			s := strings.Repeat("w", n)
			out, _ = c.AppendText(out, []byte(s))
			out, _ = c.AppendBinary(out, []byte(s))
			sent = append(sent, "text:"+s, "binary:"+s)
		}
		out, _ = c.AppendFragment(out, OpText, []byte("frag"), false)
		out, _ = c.AppendPing(out, []byte("mid"))
		out, _ = c.AppendFragment(out, OpContinuation, []byte("ment"), true)
		out, _ = c.AppendText(out, []byte("close 4002 from python"))
		// The pong may overtake echoes still being written: python answers
		// a ping as it reads it.
		sent = append(sent, "text:fragment", "close:4002:from python")
		pongs := 0
		if _, err := nc.Write(out); err != nil {
			t.Fatal(err)
		}
		runConn(nc, c, buf, rd, func(m Message) []byte {
			if m.Kind == KindPong && string(m.Data) == "mid" {
				pongs++
			} else {
				got = append(got, event(m))
			}
			return nil
		})
		nc.Close()
		if pongs != 1 {
			t.Fatalf("%s: %d pongs", mode, pongs)
		}
		if strings.Join(got, "\n") != strings.Join(sent, "\n") {
			for i := range min(len(got), len(sent)) {
				if got[i] != sent[i] {
					t.Fatalf("%s: event %d is %.40q, want %.40q", mode, i, got[i], sent[i])
				}
			}
			t.Fatalf("%s: got %d events, want %d", mode, len(got), len(sent))
		}
	}
}
