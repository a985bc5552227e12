//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestUDPRoundTrip(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	h := &echoHandler{}
	ln := listen(t, e, "udp://127.0.0.1:0", h, ListenConfig{})
	c, err := net.Dial("udp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	buf := make([]byte, 100)
	// The listener registers after OnBoot; resend until the first echo.
	waitFor(t, "first UDP echo", 5*time.Second, func() bool {
		c.Write([]byte("hello"))
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := c.Read(buf)
		return err == nil && string(buf[:n]) == "hello"
	})
	for _, msg := range []string{"a", "datagram two", strings.Repeat("x", 1400)} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(msg))
		n, err := c.Read(buf[:cap(buf)])
		if err != nil && len(msg) <= len(buf) {
			t.Fatal(err)
		}
		if len(msg) <= len(buf) && string(buf[:n]) != msg {
			t.Fatalf("echo %q, want %q", buf[:n], msg)
		}
	}
	if h.opened != 0 || h.closeCount() != 0 {
		t.Fatal("UDP listener called OnOpen/OnClose")
	}
}

// replyHandler collects what a dialed conn receives.
type replyHandler struct {
	BaseHandler
	got chan string
}

func (h *replyHandler) OnTraffic(c *Conn) Action {
	b, _ := c.Next(-1)
	h.got <- string(b)
	return None
}

func TestDialedUDPRoundTrip(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], addr)
		}
	}()
	h := &replyHandler{got: make(chan string, 4)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := e.Dial(ctx, "udp://"+pc.LocalAddr().String(), h, DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AsyncWrite([]byte("over udp"), nil); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-h.got:
		if got != "over udp" {
			t.Fatalf("got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no reply")
	}
}

func TestUnixRoundTrip(t *testing.T) {
	dir, err := os.MkdirTemp("", "np")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	e := newEngine(t, WithLoops(2))
	ln := listen(t, e, "unix://"+path, &echoHandler{}, ListenConfig{})
	if ln.URL() != "unix://"+path {
		t.Fatalf("URL = %q", ln.URL())
	}
	var c net.Conn
	waitFor(t, "unix socket accepting", 5*time.Second, func() bool {
		c, err = net.Dial("unix", path)
		return err == nil
	})
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("over unix"))
	got := make([]byte, 9)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "over unix" {
		t.Fatalf("got %q, %v", got, err)
	}
	// A dialed Unix conn through the engine too.
	h := &replyHandler{got: make(chan string, 4)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dc, err := e.Dial(ctx, "unix://"+path, h, DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	dc.AsyncWrite([]byte("from reactor"), nil)
	if got := <-h.got; got != "from reactor" {
		t.Fatalf("got %q", got)
	}
	lctx, lcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer lcancel()
	if err := ln.Close(lctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file left behind: %v", err)
	}
}

func TestDialErrorsNameTheAddress(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := probe.Addr().String()
	probe.Close()
	stuck := stuckAddr(t)
	for _, tc := range []struct {
		name    string
		url     string
		addr    string
		timeout time.Duration
	}{
		{name: "closed port", url: "tcp://" + closed, addr: closed, timeout: 5 * time.Second},
		{name: "connect never completes", url: "tcp://" + stuck, addr: stuck, timeout: 200 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			c, err := e.Dial(ctx, tc.url, BaseHandler{}, DialConfig{})
			if err == nil {
				c.Close()
				t.Skip("address reachable here")
			}
			var oe *OpError
			if !errors.As(err, &oe) || oe.Op != "dial" || !strings.Contains(err.Error(), tc.addr) {
				t.Fatalf("err = %v, want *OpError dial naming %s", err, tc.addr)
			}
		})
	}
	done := make(chan error, 1)
	e.DialAsync("tcp://"+stuck, BaseHandler{}, DialConfig{Timeout: 100 * time.Millisecond}, func(c *Conn, err error) { done <- err })
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), stuck) || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("DialAsync err = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("DialAsync timeout did not fire")
	}
	if n := e.Stats().Conns; n != 0 {
		t.Fatalf("%d conns counted after failed dials", n)
	}
}

// stuckAddr returns the address of a listener whose accept queue is full
// and never drained, so further connects hang until they time out.
func stuckAddr(t *testing.T) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := unix.Getsockname(fd)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	for i := 0; i < 16; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return addr // the queue is full
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill a listen queue on this system")
	return ""
}

func TestDialJoinsALoop(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	srv := listen(t, e, "tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{})
	h := &replyHandler{got: make(chan string, 4)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := e.Dial(ctx, srv.URL(), h, DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listener() != nil || c.RemoteAddr().String() != srv.Addr().String() {
		t.Fatalf("dialed conn: listener %v remote %v", c.Listener(), c.RemoteAddr())
	}
	c.AsyncWritev([][]byte{[]byte("two "), []byte("parts")}, nil)
	var got string
	for len(got) < 9 {
		got += <-h.got
	}
	if got != "two parts" {
		t.Fatalf("got %q", got)
	}
	if n := len(e.Conns()); n != 2 {
		t.Fatalf("Conns() = %d entries, want 2 (server side and client side)", n)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in, network, address string
		bad                  bool
	}{
		{in: "tcp://127.0.0.1:9000", network: "tcp", address: "127.0.0.1:9000"},
		{in: "tcp://:9000", network: "tcp", address: "127.0.0.1:9000"},
		{in: "tcp6://:9000", network: "tcp6", address: "[::1]:9000"},
		{in: "udp://0.0.0.0:53", network: "udp", address: "0.0.0.0:53"},
		{in: "tcp://[::1]:80/", network: "tcp", address: "[::1]:80"},
		{in: "unix:///tmp/x.sock", network: "unix", address: "/tmp/x.sock"},
		{in: "unix://rel.sock", bad: true},
		{in: "127.0.0.1:80", bad: true},
		{in: "http://x:80", bad: true},
		{in: "tcp://host", bad: true},
	} {
		n, a, err := ParseURL(tc.in)
		if (err != nil) != tc.bad || n != tc.network || a != tc.address {
			t.Errorf("ParseURL(%q) = %q, %q, %v", tc.in, n, a, err)
		}
	}
}
