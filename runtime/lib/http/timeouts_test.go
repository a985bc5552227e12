package http

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func TestResolve(t *testing.T) {
	got := Timeouts{Read: 5 * time.Second}.Resolve()
	if got.Idle != 5*time.Second || got.ReadHeader != 5*time.Second {
		t.Errorf("fallback to Read: %+v", got)
	}
	got = Timeouts{Idle: -1, ReadHeader: 2 * time.Second, Read: 5 * time.Second}.Resolve()
	if got.Idle != 0 || got.ReadHeader != 2*time.Second {
		t.Errorf("negative means none: %+v", got)
	}
}

// TestReadHeaderNotResetByReads is slowloris: a byte a second does not
// push the header deadline back.
func TestReadHeaderNotResetByReads(t *testing.T) {
	c := NewConnTimer(Timeouts{ReadHeader: 10 * time.Second, Idle: 30 * time.Second}, at(0))
	// First request: the clock starts at the accept.
	for s := 1.0; s < 10; s++ {
		c.Bytes(at(s))
		if e := c.Expired(at(s)); e != ExpiryNone {
			t.Fatalf("expired at %v s: %v", s, e)
		}
	}
	if e := c.Expired(at(10)); e != ExpiryReadHeader || !c.Answer408(e) {
		t.Fatalf("at 10 s: %v (408 %v)", e, c.Answer408(e))
	}
	// Second request on the kept-alive conn: idle first, then the header
	// clock starts at the first byte.
	c = NewConnTimer(Timeouts{ReadHeader: 10 * time.Second, Idle: 30 * time.Second}, at(0))
	c.Bytes(at(0.1))
	c.HeadDone(at(0.2), false)
	c.ResponseDone(at(0.3))
	if d, why := c.Deadline(); why != ExpiryIdle || !d.Equal(at(30.3)) {
		t.Fatalf("idle deadline %v %v", d, why)
	}
	c.Bytes(at(20))
	c.Bytes(at(25)) // later bytes change nothing
	if d, why := c.Deadline(); why != ExpiryReadHeader || !d.Equal(at(30)) {
		t.Fatalf("header deadline %v %v, want 30 s from the first byte at 20 s", d, why)
	}
	if e := c.Expired(at(29.9)); e != ExpiryNone {
		t.Fatalf("early: %v", e)
	}
	if e := c.Expired(at(30)); e != ExpiryReadHeader {
		t.Fatalf("at 30 s: %v", e)
	}
}

func TestIdleExpiryIsSilent(t *testing.T) {
	c := NewConnTimer(Timeouts{Idle: 2 * time.Second}, at(0))
	c.Bytes(at(0))
	c.HeadDone(at(0), false)
	c.ResponseDone(at(1))
	if e := c.Expired(at(2.9)); e != ExpiryNone {
		t.Fatalf("early: %v", e)
	}
	e := c.Expired(at(3))
	if e != ExpiryIdle || c.Answer408(e) {
		t.Fatalf("idle: %v 408=%v", e, c.Answer408(e))
	}
	if e.String() != "idle_timeout" {
		t.Fatalf("name %q", e)
	}
}

func TestReadAndWriteTimeouts(t *testing.T) {
	c := NewConnTimer(Timeouts{ReadHeader: 10 * time.Second, Read: 4 * time.Second, Write: 3 * time.Second}, at(0))
	c.Bytes(at(1))
	// Header phase: the earlier of ReadHeader (accept + 10) and Read (first byte + 4).
	if d, why := c.Deadline(); why != ExpiryRead || !d.Equal(at(5)) {
		t.Fatalf("header phase: %v %v", d, why)
	}
	c.HeadDone(at(2), true)
	// Body phase: Read from the first byte (5 s), Write from the header end (5 s): Read first.
	if e := c.Expired(at(5)); e != ExpiryRead || !c.Answer408(e) {
		t.Fatalf("stalled body: %v", e)
	}
	c.BodyDone(at(3))
	if d, why := c.Deadline(); why != ExpiryWrite || !d.Equal(at(5)) {
		t.Fatalf("response phase: %v %v", d, why)
	}
	if e := c.Expired(at(5)); e != ExpiryWrite || c.Answer408(e) {
		t.Fatalf("write: %v", e)
	}
	// No limits at all: no deadline.
	c = NewConnTimer(Timeouts{}, at(0))
	if _, why := c.Deadline(); why != ExpiryNone {
		t.Fatalf("no limits: %v", why)
	}
}
