package proxy

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// lineServer is a reactor server framing with the line codec; it records
// the size of every read and every decoded line, and answers each line.
type lineServer struct {
	reactor.BaseHandler
	mu    sync.Mutex
	reads []int
	lines []string
}

// lineConn is a lineServer conn's state.
type lineConn struct {
	dec  codecs.Codec
	kept int // bytes left buffered after the last OnTraffic
}

func (h *lineServer) OnOpen(c *reactor.Conn) reactor.Action {
	c.SetContext(&lineConn{dec: codecs.Line(codecs.LineOptions{}).New()})
	return reactor.None
}

func (h *lineServer) OnTraffic(c *reactor.Conn) reactor.Action {
	lc := c.Context().(*lineConn)
	dec := lc.dec
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reads = append(h.reads, c.InboundBuffered()-lc.kept)
	defer func() { lc.kept = c.InboundBuffered() }()
	for {
		in, _ := c.Peek(-1)
		frame, n, err := dec.Decode(in)
		if err != nil || (frame == nil && n == 0) {
			return reactor.None
		}
		if frame != nil {
			h.lines = append(h.lines, string(frame))
			c.Write([]byte("ok\n"))
		}
		c.Discard(n)
	}
}

func TestSlicerOneByteReadsStillFrameLines(t *testing.T) {
	e := newEngine(t)
	srv := &lineServer{}
	ln, err := e.Listen("tcp://127.0.0.1:0", srv, reactor.ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, e, ln.URL(), Config{Faults: Faults{Stream: Upstream, Slicer: &Slicer{AverageSize: 1, Delay: 10 * time.Millisecond}}})
	c := dial(t, p)
	msg := "SET a 1\nGET a\nPING\n"
	c.Write([]byte(msg))
	buf := make([]byte, 9)
	if _, err := readFull(c, buf); err != nil || string(buf) != "ok\nok\nok\n" {
		t.Fatalf("replies %q, %v", buf, err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if strings.Join(srv.lines, "|") != "SET a 1|GET a|PING" {
		t.Fatalf("lines %q", srv.lines)
	}
	ones := 0
	for _, n := range srv.reads {
		if n == 1 {
			ones++
		}
	}
	// 19 slices 10 ms apart; a busy machine merges some (unsliced: one read)
	if len(srv.reads) < 4 || ones < 1 {
		t.Fatalf("server saw reads %v for %d bytes: want one-byte reads", srv.reads, len(msg))
	}
	if n := p.Stats().Faults.Sliced; n != uint64(len(msg)) {
		t.Fatalf("Sliced = %d, want %d", n, len(msg))
	}
	t.Logf("%d bytes came in %d reads, %d of one byte; lines framed: %q", len(msg), len(srv.reads), ones, srv.lines)
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := c.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// needTool skips without the tool, or fails when CI is set.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (CI is set)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestRedisCLIThroughFiftyMillisecondLatency(t *testing.T) {
	cli := needTool(t, "redis-cli")
	server := needTool(t, "redis-server")
	port := freePort(t)
	srv := exec.Command(server, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	luatest.WaitFor(t, "redis-server", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	e := newEngine(t)
	p := newProxy(t, e, fmt.Sprintf("tcp://127.0.0.1:%d", port), Config{Faults: Faults{Latency: 50 * time.Millisecond}})
	pport := p.Addr().(*net.TCPAddr).Port
	run := func(args ...string) (string, time.Duration) {
		t.Helper()
		start := time.Now()
		out, err := exec.Command(cli, append([]string{"-h", "127.0.0.1", "-p", fmt.Sprint(pport)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out)), time.Since(start)
	}
	if out, _ := run("SET", "k", "v"); out != "OK" {
		t.Fatalf("SET: %q", out)
	}
	out, d := run("GET", "k")
	if out != "v" {
		t.Fatalf("GET: %q", out)
	}
	// one command is one round trip through 50 ms each way
	if d < 100*time.Millisecond {
		t.Fatalf("GET took %v through 50 ms latency each way, want >= 100 ms", d)
	}
	t.Logf("redis-cli GET through the proxy: %v", d)
}
