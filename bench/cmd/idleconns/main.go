// Command idleconns measures the resident memory that idle TCP connections
// cost a server: it starts the server command given after the flags (or
// attaches to a running one with -pid and -addr), opens -n connections,
// reads the server's VmRSS from /proc/PID/status before and after, and prints
// one line:
//
//	server=NAME conns=N rss_before_kib=N rss_open_kib=N rss_echoed_kib=N open_bytes_per_conn=N echoed_bytes_per_conn=N
//
// open_bytes_per_conn counts conns that were accepted and never used;
// echoed_bytes_per_conn counts the same conns after each echoed -size bytes
// once and went idle again (buffers a server gives back when drained are not
// counted there). Linux only.
//
//	idleconns [-n 10000] [-size 64] [-name NAME] -- bin/netecho -addr 127.0.0.1:0
//	idleconns -pid PID -addr 127.0.0.1:PORT
//
// A started server must print "listening HOST:PORT" as its first stdout line,
// unless -addr is given. idleconns raises its own RLIMIT_NOFILE to the hard
// limit; a server it starts inherits that limit.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netplay-lab/netplay/bench/idle"
	"github.com/netplay-lab/netplay/bench/servers"
)

func main() {
	n := flag.Int("n", 10000, "idle connections to open")
	size := flag.Int("size", 64, "bytes each conn echoes once in the second phase")
	name := flag.String("name", "", "server name in the output (default: the command's base name)")
	pid := flag.Int("pid", 0, "measure this running process instead of starting one (needs -addr)")
	addr := flag.String("addr", "", "server address; required with -pid, optional for a started server")
	settle := flag.Duration("settle", time.Second, "pause before each RSS reading")
	timeout := flag.Duration("timeout", 60*time.Second, "bound for starting the server and for each phase")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: idleconns [flags] -- SERVER [ARGS...]\n       idleconns [flags] -pid PID -addr HOST:PORT\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	if err := raiseNoFile(uint64(*n) + 64); err != nil {
		fatal(err)
	}
	go func() {
		// A stop signal (the runner's timeout, Ctrl-C) must not leave the
		// started server behind.
		sig := servers.WaitSignal()
		fatal(fmt.Errorf("stopped by %v", sig))
	}()
	if *pid == 0 {
		if flag.NArg() == 0 {
			flag.Usage()
			os.Exit(2)
		}
		if *name == "" {
			*name = filepath.Base(flag.Arg(0))
		}
		srv, err := start(flag.Args(), *addr, *timeout)
		if err != nil {
			fatal(err)
		}
		defer srv.stop()
		*pid, *addr = srv.cmd.Process.Pid, srv.addr
	} else if *addr == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *name == "" {
		*name = fmt.Sprintf("pid%d", *pid)
	}

	res, err := idle.Measure(idle.Config{
		PID: *pid, Addr: *addr, Conns: *n, Size: *size, Settle: *settle, Timeout: *timeout,
	})
	if err != nil {
		fatal(err)
	}
	fmt.Printf("server=%s conns=%d rss_before_kib=%d rss_open_kib=%d rss_echoed_kib=%d open_bytes_per_conn=%d echoed_bytes_per_conn=%d\n",
		*name, res.Conns, res.RSSBefore>>10, res.RSSOpen>>10, res.RSSEchoed>>10, res.OpenPerConn(), res.EchoedPerConn())
}

var (
	stopMu    sync.Mutex
	stopFuncs []func()
)

// fatal prints err, stops the started server and exits with status 1.
func fatal(err error) {
	fmt.Fprintf(os.Stderr, "idleconns: %v\n", err)
	stopMu.Lock() // held until exit: a second fatal waits here
	for _, f := range stopFuncs {
		f()
	}
	os.Exit(1)
}

type server struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// start runs argv, reads its "listening ADDR" line (unless addr is given) and
// returns once the address is known.
func start(argv []string, addr string, timeout time.Duration) (*server, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	setParentDeathSignal(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	s := &server{cmd: cmd, addr: addr, done: make(chan struct{})}
	stopMu.Lock()
	stopFuncs = append(stopFuncs, s.stop)
	stopMu.Unlock()
	lines := make(chan string, 1)
	go func() {
		br := bufio.NewReader(out)
		line, _ := br.ReadString('\n')
		lines <- strings.TrimSpace(line)
		io.Copy(io.Discard, br) // keep the server's stdout drained
	}()
	go func() {
		cmd.Wait()
		close(s.done)
	}()
	if addr != "" {
		return s, nil
	}
	select {
	case line := <-lines:
		a, ok := strings.CutPrefix(line, "listening ")
		if !ok {
			s.stop()
			return nil, fmt.Errorf("%s: first stdout line %q, want \"listening HOST:PORT\" (or pass -addr)", argv[0], line)
		}
		s.addr = a
		return s, nil
	case <-time.After(timeout):
		s.stop()
		return nil, fmt.Errorf("%s: no \"listening\" line within %v", argv[0], timeout)
	}
}

// stop sends SIGTERM, then SIGKILL if the server is still there after 3s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(3 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}
