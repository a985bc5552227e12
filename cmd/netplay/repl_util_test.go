package main

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// dialTCP connects to addr (host:port) and closes the conn at cleanup.
func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testkit.PTYTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// runWithTimeout runs cmd and kills it if it outlives d.
func runWithTimeout(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return context.DeadlineExceeded
	}
}

// lineEcho starts a line echo server in the shell (echoServer) and returns
// echo, which sends s as a line on one conn of its own, dialed on the first
// call, and fails t unless the same line comes back within 5 s.
func lineEcho(t *testing.T, p *ptyShell) (echo func(s string)) {
	t.Helper()
	addr := strings.TrimPrefix(echoServer(p), "tcp://")
	var c net.Conn
	var r *bufio.Reader
	return func(s string) {
		t.Helper()
		if c == nil {
			c = dialTCP(t, addr)
			r = bufio.NewReader(c)
		}
		c.Write([]byte(s + "\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := r.ReadString('\n'); err != nil || got != s+"\n" {
			t.Fatalf("echo %q: %q, %v", s, got, err)
		}
	}
}
