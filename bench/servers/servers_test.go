package servers

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"
)

// EchoCases are the payloads every echo server must return intact.
var echoCases = []struct {
	name  string
	size  int
	chunk int
}{
	{name: "one byte", size: 1, chunk: 1},
	{name: "64 B request", size: 64, chunk: 64},
	{name: "16 pipelined 64 B requests", size: 16 * 64, chunk: 16 * 64},
	{name: "1 MiB in 1000 B writes", size: 1 << 20, chunk: 1000},
}

func TestNetEcho(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- NetEcho(ln, 0) }()
	for _, tc := range echoCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyEcho(ln.Addr().String(), Payload(tc.size), tc.chunk, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
	ln.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("NetEcho after Close = %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Error("NetEcho did not return after its listener closed")
	}
}

func TestNetpollEcho(t *testing.T) {
	s, err := StartNetpollEcho("127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(time.Second) })
	for _, tc := range echoCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyEcho(s.Addr(), Payload(tc.size), tc.chunk, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGnetEcho(t *testing.T) {
	s, err := StartGnetEcho("127.0.0.1:0", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(time.Second) })
	if s.Addr() == "" {
		t.Fatal("gnet server does not know its address")
	}
	for _, tc := range echoCases {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyEcho(s.Addr(), Payload(tc.size), tc.chunk, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyEchoCatchesAWrongServer(t *testing.T) {
	// A server that answers every read with uppercase bytes is not an echo.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 512)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					c.Write(bytes.ToUpper(buf[:n]))
				}
			}()
		}
	}()
	err = VerifyEcho(ln.Addr().String(), Payload(100), 0, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "byte 0 differs") {
		t.Fatalf("VerifyEcho = %v, want a byte 0 mismatch", err)
	}
}

func TestAnnounce(t *testing.T) {
	var b bytes.Buffer
	if err := Announce(&b, "127.0.0.1:4242"); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "listening 127.0.0.1:4242\n"; got != want {
		t.Errorf("Announce wrote %q, want %q", got, want)
	}
}
