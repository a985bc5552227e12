package idle

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/bench/servers"
	"github.com/netplay-lab/netplay/reactor"
)

const tenK = 10000

// echoHandler writes back every byte it reads.
type echoHandler struct{ reactor.BaseHandler }

func (echoHandler) OnTraffic(c *reactor.Conn) reactor.Action {
	p, _ := c.Peek(-1)
	c.Write(p)
	c.Discard(len(p))
	return reactor.None
}

// reactorEcho is the IDLE_TEST_SERVER=reactor server: an echo on the
// reactor whose engine limit (default 4096) is raised with SetMaxConns,
// as net.config{max_conns = …} and --max-conns do.
func reactorEcho() {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "reactor echo:", err)
		os.Exit(1)
	}
	e, err := reactor.New()
	if err != nil {
		fail(err)
	}
	if err := e.SetMaxConns(tenK); err != nil {
		fail(err)
	}
	ln, err := e.Listen("tcp://127.0.0.1:0", echoHandler{}, reactor.ListenConfig{MaxConns: tenK})
	if err != nil {
		fail(err)
	}
	servers.Announce(os.Stdout, ln.Addr().String())
	select {}
}

// Ten thousand idle conns on the reactor once its limit is raised: every
// one is accepted and echoes, and the RSS per conn stays small (no buffer
// is held by an idle conn).
func TestReactorHoldsTenThousandIdleConns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens 10000 conns")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < tenK+200 {
		t.Skipf("RLIMIT_NOFILE hard limit %d is below the %d fds this test needs", lim.Max, tenK+200)
	}
	lim.Cur = lim.Max // the client side holds 10000 fds too; the server inherits this
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	pid, addr := startServer(t, "reactor")
	res, err := Measure(Config{PID: pid, Addr: addr, Conns: tenK, Settle: 200 * time.Millisecond, Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reactor, %d conns: RSS %d KiB before, %d KiB open, %d KiB echoed; %d B per open conn, %d B per echoed conn",
		res.Conns, res.RSSBefore>>10, res.RSSOpen>>10, res.RSSEchoed>>10, res.OpenPerConn(), res.EchoedPerConn())
	// 8 KiB per conn would be a goroutine-per-conn server's figure; the
	// reactor holds a Conn struct and kernel socket state.
	if per := res.EchoedPerConn(); per > 4<<10 {
		t.Fatalf("%d bytes of RSS per idle conn after an echo, want under 4 KiB", per)
	}
}
