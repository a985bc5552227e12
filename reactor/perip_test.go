//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dialFrom connects to ln from the loopback source address src.
func dialFrom(t *testing.T, ln *Listener, src string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// echoes reports whether c answers a ping through the echo handler.
func echoes(c net.Conn) bool {
	if _, err := c.Write([]byte("ping")); err != nil {
		return false
	}
	b := make([]byte, 4)
	_, err := io.ReadFull(c, b)
	return err == nil && string(b) == "ping"
}

// One host that opens more conns than MaxConnsPerIP gets the extra ones
// closed, and another host (127.0.0.2, loopback as well) still gets in
// although the first tried to take the whole listener.
func TestMaxConnsPerIPKeepsOtherHostsIn(t *testing.T) {
	e := newEngine(t, WithLoops(2))
	ln := listen(t, e, "tcp://127.0.0.1:0", &echoHandler{}, ListenConfig{MaxConns: 4, MaxConnsPerIP: 3})
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c, err := dialFrom(t, ln, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if !echoes(c) {
			t.Fatalf("conn %d from 127.0.0.1 not served within its limit", i+1)
		}
		held = append(held, c)
	}
	// Two more from the same host: accepted by the kernel, closed by the
	// listener without being served.
	for i := 0; i < 2; i++ {
		c, err := dialFrom(t, ln, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if echoes(c) {
			t.Fatalf("conn %d from 127.0.0.1 served past MaxConnsPerIP 3", 4+i)
		}
	}
	st := ln.Stats()
	if st.RejectedPerIP != 2 || st.Rejected != 2 || st.Active != 3 {
		t.Fatalf("stats %+v, want 2 rejected per IP and 3 active", st)
	}
	other, err := dialFrom(t, ln, "127.0.0.2")
	if err != nil {
		t.Skipf("cannot dial from 127.0.0.2 (not a loopback address here?): %v", err)
	}
	if !echoes(other) {
		t.Fatal("127.0.0.2 locked out by 127.0.0.1's conns")
	}
	// A conn that closes frees its host's slot.
	held[0].Close()
	waitFor(t, "the closed conn to be counted out", 5*time.Second, func() bool { return ln.Stats().Active == 3 })
	again, err := dialFrom(t, ln, "127.0.0.1")
	if err != nil || !echoes(again) {
		t.Fatalf("127.0.0.1 not served after one of its conns closed (%v)", err)
	}
	if st := ln.Stats(); st.RejectedPerIP != 2 {
		t.Fatalf("RejectedPerIP = %d after a conn within the limit", st.RejectedPerIP)
	}
}

func TestSockaddrIPUnmapsIPv4(t *testing.T) {
	v4 := sockaddrIP(&unixSockaddrInet4Loopback)
	v6 := sockaddrIP(&unixSockaddrInet6Mapped)
	if !v4.IsValid() || v4 != v6 || v4.String() != "127.0.0.1" {
		t.Fatalf("sockaddrIP: v4 %v, mapped v6 %v, want both 127.0.0.1", v4, v6)
	}
}

var (
	unixSockaddrInet4Loopback = unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	unixSockaddrInet6Mapped   = unix.SockaddrInet6{Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}}
)
