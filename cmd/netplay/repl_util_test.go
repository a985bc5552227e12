package main

import (
	"context"
	"net"
	"os/exec"
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
