package testkit

import (
	"net"
	"sync"
	"testing"
)

// GoServer starts a plain Go TCP server on 127.0.0.1 (a test peer, one
// goroutine per conn) that runs serve on every accepted conn and closes
// the conn when serve returns. It returns the listener's host:port; the
// listener is closed and every serve waited for when the test ends.
func GoServer(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}
