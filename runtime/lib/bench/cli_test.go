package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

func runMain(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = Main(args, &o, &e)
	return code, o.String(), e.String()
}

func TestMainJSON(t *testing.T) {
	url := reactorEchoServer(t)
	// flags before and after the URL
	code, out, errs := runMain("-c", "3", url, "--json", "-n", "40", "--size", "16")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if m["requests"] != float64(40) || m["errors"] != float64(0) || m["conns"] != float64(3) || m["size"] != float64(16) {
		t.Fatalf("json: %v", m)
	}
	lat, ok := m["latency_us"].(map[string]any)
	if !ok || lat["p99"].(float64) <= 0 {
		t.Fatalf("json latency_us: %v", m["latency_us"])
	}
}

func TestMainText(t *testing.T) {
	code, out, errs := runMain(reactorEchoServer(t), "-c", "2", "-d", "0.2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"req/s", "p99.9", "Latency histogram:", "■"} {
		if !strings.Contains(out, want) {
			t.Fatalf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\r") {
		t.Fatalf("a progress line went into a pipe:\n%q", out)
	}
}

func TestMainErrors(t *testing.T) {
	url := goEchoServer(t, func(b []byte) { b[0] ^= 1 })
	code, out, _ := runMain(url, "-n", "10", "-c", "1")
	if code != 1 || !strings.Contains(out, "mismatch") {
		t.Fatalf("mismatches: exit %d, want 1:\n%s", code, out)
	}
	code, _, errs := runMain("tcp://127.0.0.1:1", "-c", "1")
	if code != 1 || !strings.Contains(errs, "127.0.0.1:1") {
		t.Fatalf("refused: exit %d, want 1: %s", code, errs)
	}
}

func TestMainUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"tcp://127.0.0.1:9", "tcp://127.0.0.1:10"},
		{"tcp://127.0.0.1:9", "--bogus"},
		{"tcp://127.0.0.1:9", "--mode", "smtp"},
		{"tcp://127.0.0.1:9", "-d", "-1s"},
		{"tcp://127.0.0.1:9", "-d", "soon"},
		{"tcp://127.0.0.1:9", "-c", "0"},
		{"tcp://127.0.0.1:9", "--depth", "-1"},
		{"tcp://127.0.0.1:9", "--rate", "-5"},
		{"tcp://127.0.0.1:9", "--cmd", "del"},
		{"ftp://127.0.0.1:9"},
	} {
		code, _, errs := runMain(args...)
		if code != 2 || errs == "" {
			t.Errorf("%q: exit %d, want 2 with a message (%q)", args, code, errs)
		}
	}
	if code, _, errs := runMain("-h"); code != 0 || !strings.Contains(errs, "usage: netplay bench") {
		t.Errorf("-h: exit %d: %s", code, errs)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct{ in, mode, dial, host, path string }{
		{"127.0.0.1:9000", "echo", "tcp://127.0.0.1:9000", "127.0.0.1:9000", "/"},
		{"tcp://:9000", "echo", "tcp://127.0.0.1:9000", "127.0.0.1:9000", "/"},
		{"redis://127.0.0.1", "redis", "tcp://127.0.0.1:6379", "127.0.0.1", "/"},
		{"http://127.0.0.1:8080/a/b?x=1", "http", "tcp://127.0.0.1:8080", "127.0.0.1:8080", "/a/b?x=1"},
		{"http://[::1]:8080", "http", "tcp://[::1]:8080", "[::1]:8080", "/"},
		{"ws://127.0.0.1:8080/echo", "ws", "tcp://127.0.0.1:8080", "127.0.0.1:8080", "/echo"},
		{"unix:///tmp/x.sock", "echo", "unix:///tmp/x.sock", "localhost", "/"},
	} {
		got, err := parseTarget(tc.in, "")
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got.mode != tc.mode || got.dial != tc.dial || got.host != tc.host || got.path != tc.path {
			t.Errorf("%s: %+v", tc.in, got)
		}
	}
	for _, bad := range []string{"", "https://127.0.0.1", "tcp://127.0.0.1:9/x", "unix://rel", "tcp://127.0.0.1"} {
		if _, err := parseTarget(bad, ""); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// On a terminal the progress line is drawn (and erased before the report).
func TestMainProgressOnTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends when tty is closed (EIO)
		got <- string(b)
	}()
	var errs bytes.Buffer
	code := Main([]string{reactorEchoServer(t), "-c", "2", "-d", "1.3s"}, tty, &errs)
	tty.Close()
	var out string
	select {
	case out = <-got:
	case <-time.After(5 * time.Second):
		ptmx.Close()
		t.Fatal("the pty did not report EOF after its tty closed")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	i := strings.Index(out, "replies")
	j := strings.Index(out, "netplay bench tcp://")
	if i < 0 || j < i || !strings.Contains(out[:j], "\r\x1b[K") {
		t.Fatalf("want a progress line, erased, before the report:\n%q", out)
	}
}
