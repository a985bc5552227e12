package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// lockedBuffer is a bytes.Buffer safe for the proxy's loops to write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestCLIUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "want LISTEN and UPSTREAM, got 0"},
		{[]string{":1"}, "got 1"},
		{[]string{":1", ":2", ":3"}, "got 3"},
		{[]string{":1", ":2", "--latency", "100"}, "want a duration such as 100ms"},
		{[]string{":1", "--nope", ":2"}, "flag provided but not defined: -nope"},
		{[]string{":1", ":2", "--stream", "sideways"}, "stream \"sideways\""},
		{[]string{":1", ":2", "--slicer", "x"}, "average size"},
		{[]string{":1", ":2", "--toxicity", "2"}, "fraction"},
		{[]string{":1", ":2", "--loss", "0.1"}, "udp:// proxy"},
		{[]string{":1", ":2", "--slicer", "4,4"}, "size_variation"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "usage: netplay proxy") {
		t.Errorf("--help: exit %d, %q", code, out.String())
	}
}

func TestCLIParsesFlagsAnywhere(t *testing.T) {
	o, err := parseArgs([]string{"--latency", "100ms", "9000", "--jitter=10ms", "127.0.0.1:6379", "--slicer", "1,0,1ms",
		"--reset-peer", "1s", "--stream", "up", "--toxicity", "0.5", "--limit-data", "10", "--timeout", "0", "--bandwidth", "100"})
	if err != nil {
		t.Fatal(err)
	}
	f := o.faults
	if o.listen != "tcp://127.0.0.1:9000" || o.upstream != "tcp://127.0.0.1:6379" || f.Latency != 100*time.Millisecond ||
		f.Jitter != 10*time.Millisecond || f.Slicer == nil || f.Slicer.AverageSize != 1 || f.Slicer.Delay != time.Millisecond ||
		*f.ResetPeer != time.Second || f.Stream != Upstream || f.Toxicity != 0.5 || f.LimitData != 10 || *f.Timeout != 0 || f.Bandwidth != 100 {
		t.Fatalf("parsed %+v %+v", o, f)
	}
}

func TestCLIRelaysAndReports(t *testing.T) {
	up := echoServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"tcp://127.0.0.1:0", up, "--latency", "20ms"}, out, io.Discard) }()
	var addr string
	re := regexp.MustCompile(`proxy tcp://(127\.0\.0\.1:\d+) -> `)
	luatest.WaitFor(t, "the start line", 5*time.Second, func() bool {
		m := re.FindStringSubmatch(out.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("hello\n"))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\n" {
		t.Fatalf("echo %q, %v", line, err)
	}
	c.Close()
	luatest.WaitFor(t, "the close line", 5*time.Second, func() bool { return strings.Contains(out.String(), "close #") })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	s := out.String()
	for _, want := range []string{"[latency=20ms]", "open  #", "up 6 B down 6 B", "(closed)", "stats: 1 conns, up 6 B, down 6 B; faults: delayed 2"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	t.Logf("output:\n%s", s)
}

// TestDocsFlagsExist keeps docs/proxy.md's flag table and the command in step.
func TestDocsFlagsExist(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/proxy.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("`(--[a-z-]+)")
	n := 0
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		n++
		if !strings.Contains(usage, "  "+m[1]+" ") && !strings.Contains(usage, ", "+m[1]+" ") {
			t.Errorf("docs/proxy.md names %s, which `netplay proxy` does not have", m[1])
		}
	}
	if n < 15 {
		t.Fatalf("found only %d flags in docs/proxy.md", n)
	}
}

// TestMainStopsOnSIGINT runs Main in a child process (this test binary)
// and interrupts it: it must print its stats line and exit 0.
func TestMainStopsOnSIGINT(t *testing.T) {
	if os.Getenv("NETPLAY_PROXY_MAIN") == "1" {
		os.Exit(Main(strings.Fields(os.Getenv("NETPLAY_PROXY_ARGS")), os.Stdout, os.Stderr))
	}
	up := echoServer(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainStopsOnSIGINT$")
	cmd.Env = append(os.Environ(), "NETPLAY_PROXY_MAIN=1", "NETPLAY_PROXY_ARGS=127.0.0.1:0 "+up+" --latency 10ms")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	re := regexp.MustCompile(`proxy tcp://(127\.0\.0\.1:\d+) -> `)
	var addr string
	luatest.WaitFor(t, "the start line", 10*time.Second, func() bool {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
		}
		return addr != ""
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("hi"))
	if _, err := io.ReadFull(c, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, out)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGINT\n%s", out)
	}
	if s := out.String(); !strings.Contains(s, "stats: 1 conns, up 2 B, down 2 B; faults: delayed 2") || !strings.Contains(s, "(proxy: conn cut)") {
		t.Fatalf("output:\n%s", s)
	}
}

// FuzzParseArgs: any command line either parses into faults that validate
// or fails with an error; nothing panics.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		":1 :2 --latency 100ms --jitter 10ms",
		"udp://:1 udp://:2 --loss 0.5 --reorder 1 --seed 3",
		":1 --slicer 1,0,1ms :2 --stream up --toxicity 0",
		":1 :2 --slicer 5,9,x",
		"--timeout 0 --reset-peer 1s :1 :2 --limit-data 10 --bandwidth 100",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseArgs(strings.Fields(s))
		if err != nil {
			return
		}
		if o.listen == "" || o.upstream == "" {
			t.Fatalf("%q parsed without both addresses", s)
		}
		_ = o.faults.Validate(strings.HasPrefix(o.listen, "udp"))
		_ = o.faults.String()
	})
}
