//go:build linux

package reactor

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const emfileChildEnv = "NETPLAY_REACTOR_EMFILE_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(emfileChildEnv) != "" {
		emfileChild()
		return
	}
	if v := os.Getenv(senderChildEnv); v != "" {
		senderChild(v)
		return
	}
	os.Exit(m.Run())
}

// emfileChild runs an echo server under a low RLIMIT_NOFILE and answers
// "rusage" (CPU µs) and "stats" (rejected accept_errors) on stdin/stdout.
func emfileChild() {
	e, err := New(WithLoops(1), WithLogger(quietLogger()))
	if err != nil {
		fmt.Println("error", err)
		return
	}
	ln, err := e.Listen("tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	// Lowered only now: New sizes max_conns from the fd limit, which would
	// refuse conns before the kernel says EMFILE.
	ents, _ := os.ReadDir("/proc/self/fd")
	limit := uint64(len(ents) + 24)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println("addr", ln.Addr())
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		switch sc.Text() {
		case "rusage":
			var ru unix.Rusage
			unix.Getrusage(unix.RUSAGE_SELF, &ru)
			fmt.Println(ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000)
		case "stats":
			st := ln.Stats()
			fmt.Println(st.Rejected, st.AcceptErrors)
		}
	}
}

func TestEMFILEBacksOffAndRecovers(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	out := bufio.NewScanner(stdout)
	ask := func(q string) []string {
		t.Helper()
		fmt.Fprintln(stdin, q)
		if !out.Scan() {
			t.Fatalf("child gone after %q", q)
		}
		return strings.Fields(out.Text())
	}
	if !out.Scan() {
		t.Fatal("child printed nothing")
	}
	first := strings.Fields(out.Text())
	if len(first) != 2 || first[0] != "addr" {
		t.Fatalf("child: %q", out.Text())
	}
	addr := first[1]
	cpu := func() time.Duration {
		v, _ := strconv.ParseInt(ask("rusage")[0], 10, 64)
		return time.Duration(v) * time.Microsecond
	}

	// Flood: far more conns than the child has fds.
	var flood []net.Conn
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			break
		}
		flood = append(flood, c)
	}
	waitFor(t, "the child to hit EMFILE", 10*time.Second, func() bool {
		f := ask("stats")
		return len(f) == 2 && f[1] != "0"
	})
	before := cpu()
	window := 500 * time.Millisecond
	time.Sleep(window) // a measurement window: a spinning acceptor would burn it all
	used := cpu() - before
	t.Logf("child CPU during %v of EMFILE: %v", window, used)
	if used > window/4 {
		t.Fatalf("child used %v CPU in %v at EMFILE: the acceptor spins", used, window)
	}
	for _, c := range flood {
		c.Close()
	}
	// Once fds are free the same listener serves again.
	waitFor(t, "an echo after fds free up", 15*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(1500 * time.Millisecond))
		c.Write([]byte("ping"))
		b := make([]byte, 4)
		_, err = io.ReadFull(c, b)
		return err == nil && string(b) == "ping"
	})
	f := ask("stats")
	t.Logf("child listener: rejected %s, accept errors %s", f[0], f[1])
}
