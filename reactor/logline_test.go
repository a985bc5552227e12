//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"bytes"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// syncBuffer is a bytes.Buffer a logger can write to while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The EMFILE back-off line names the package once: "reactor: accept …",
// not "reactor: reactor: accept …".
func TestEMFILELogLineHasOnePrefix(t *testing.T) {
	var buf syncBuffer
	e := newEngine(t, WithLoops(1), WithLogger(log.New(&buf, "", 0)))
	ln := listen(t, e, "tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{})
	c := dialTCP(t, ln) // an answered echo proves the socket is registered
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	s := ln.socks[0]
	done := make(chan struct{})
	if err := s.loop.Execute(func() { s.loop.acceptBackoff(s, unix.EMFILE); close(done) }); err != nil {
		t.Fatal(err)
	}
	<-done
	line := strings.TrimSpace(buf.String())
	want := "reactor: accept " + ln.URL() + ": accept: too many open files; backing off"
	if line != want {
		t.Fatalf("logged %q\nwant   %q", line, want)
	}
}

type boomHandler struct{ BaseHandler }

func (boomHandler) OnTraffic(*Conn) Action { panic("boom") }

// A recovered panic is logged with one package prefix as well.
func TestPanicLogLineHasOnePrefix(t *testing.T) {
	var buf syncBuffer
	e := newEngine(t, WithLoops(1), WithLogger(log.New(&buf, "", 0)))
	ln := listen(t, e, "tcp://127.0.0.1:0", boomHandler{}, ListenConfig{})
	c := dialTCP(t, ln)
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the panic to be logged", 5*time.Second, func() bool { return strings.Contains(buf.String(), "boom") })
	first, _, _ := strings.Cut(buf.String(), "\n")
	want := " " + c.LocalAddr().String() + ": panic in OnTraffic: boom"
	if !strings.HasPrefix(first, "reactor: conn ") || !strings.HasSuffix(first, want) || strings.Contains(first, "reactor: reactor:") {
		t.Fatalf("logged %q, want \"reactor: conn N%s\"", first, want)
	}
}
