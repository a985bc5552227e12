package idle

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/bench/servers"
)

// The test binary doubles as the measured server, so the server's fds and RSS
// are counted in a process of their own: IDLE_TEST_SERVER=echo serves the
// echo, IDLE_TEST_SERVER=reactor serves it on netplay's reactor with the
// conn limit raised to 10000, IDLE_TEST_SERVER=noaccept listens but never
// accepts.
func TestMain(m *testing.M) {
	switch os.Getenv("IDLE_TEST_SERVER") {
	case "":
		os.Exit(m.Run())
	case "echo":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(1)
		}
		servers.Announce(os.Stdout, ln.Addr().String())
		servers.NetEcho(ln, 0)
	case "reactor":
		reactorEcho()
	case "noaccept":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			os.Exit(1)
		}
		servers.Announce(os.Stdout, ln.Addr().String())
		select {}
	}
}

// startServer runs the test binary as a server of the given kind and returns
// its pid and address; the process is killed at cleanup.
func startServer(t *testing.T, kind string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "IDLE_TEST_SERVER="+kind)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("server %s: first line: %v", kind, err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("server %s: first line %q, want \"listening ADDR\"", kind, line)
	}
	return cmd.Process.Pid, addr
}

func TestMeasureAgainstNetEcho(t *testing.T) {
	pid, addr := startServer(t, "echo")
	tests := []struct {
		name  string
		conns int
		size  int
	}{
		{name: "few conns small echo", conns: 20, size: 1},
		{name: "more conns larger echo", conns: 300, size: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Measure(Config{
				PID: pid, Addr: addr, Conns: tt.conns, Size: tt.size,
				Settle: 10 * time.Millisecond, Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Conns != tt.conns {
				t.Errorf("Conns = %d, want %d", res.Conns, tt.conns)
			}
			for name, v := range map[string]int64{"before": res.RSSBefore, "open": res.RSSOpen, "echoed": res.RSSEchoed} {
				if v <= 0 {
					t.Errorf("RSS %s = %d, want > 0", name, v)
				}
			}
			// Each net conn holds a goroutine and a 4 KiB buffer once it has
			// echoed, so the server cannot have stayed flat.
			if res.RSSEchoed <= res.RSSBefore {
				t.Errorf("RSS after echo %d <= before %d", res.RSSEchoed, res.RSSBefore)
			}
		})
	}
}

func TestMeasureFailsWhenServerDoesNotAccept(t *testing.T) {
	// The kernel completes the handshakes into the backlog, but no descriptor
	// appears in the server process, so Measure must time out waiting for
	// them instead of reporting a figure.
	pid, addr := startServer(t, "noaccept")
	_, err := Measure(Config{
		PID: pid, Addr: addr, Conns: 5,
		Settle: time.Millisecond, Timeout: 300 * time.Millisecond,
	})
	if err == nil || !strings.Contains(err.Error(), "did not accept") {
		t.Fatalf("Measure error = %v, want a \"did not accept\" timeout", err)
	}
}

func TestVmRSS(t *testing.T) {
	rss, err := VmRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 {
		t.Errorf("VmRSS = %d bytes, want at least 1 MiB for a Go test binary", rss)
	}
	if _, err := VmRSS(-1); err == nil {
		t.Error("VmRSS(-1) succeeded")
	}
}
