//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package reactor

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReaderThatNeverReadsHitsTheCap(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	stuck := dialTCP(t, ln) // never reads
	_ = stuck
	sc := <-h.conns
	other := dialTCP(t, ln)
	oc := <-h.conns

	chunk := make([]byte, 64<<10)
	type res struct {
		writes, maxOut int
		err            error
	}
	done := make(chan res, 1)
	sc.Loop().Execute(func() {
		var r res
		for r.writes = 0; r.writes < 1024; r.writes++ { // 64 MiB, far more than the kernel buffers
			if _, err := sc.Write(chunk); err != nil {
				r.err = err
				break
			}
			r.maxOut = max(r.maxOut, sc.OutboundBuffered())
		}
		done <- r
	})
	r := <-done
	var full *OutboundFullError
	if !errors.As(r.err, &full) || full.Max != DefaultMaxOutbound {
		t.Fatalf("Write error = %v after %d writes, want *OutboundFullError", r.err, r.writes)
	}
	if r.maxOut > DefaultMaxOutbound {
		t.Fatalf("outbound grew to %d > cap %d", r.maxOut, DefaultMaxOutbound)
	}
	waitFor(t, "OnClose of the stuck conn", 5*time.Second, func() bool { return len(h.errs()) == 1 })
	if err := h.errs()[0]; !errors.As(err, &full) {
		t.Fatalf("OnClose err = %v, want *OutboundFullError", err)
	}
	if got := full.Error(); full.Size <= full.Max || !strings.HasPrefix(got, "outbound_full: ") || !strings.HasSuffix(got, " > max_outbound 4194304") {
		t.Fatalf("error text %q", got)
	}
	// The other conn is untouched.
	if err := oc.AsyncWrite([]byte("ok"), nil); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if _, err := io.ReadFull(other, b); err != nil || string(b) != "ok" {
		t.Fatalf("other conn: %q %v", b, err)
	}
	if n := len(h.errs()); n != 1 {
		t.Fatalf("%d conns closed, want only the stuck one", n)
	}
}

func TestWritableFiresBelowLowWater(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{ConnConfig: ConnConfig{HighWater: 64 << 10, LowWater: 32 << 10, MaxOutbound: 64 << 20}})
	client := dialTCP(t, ln)
	sc := <-h.conns
	const total = 16 << 20
	done := make(chan int, 1)
	sc.Loop().Execute(func() {
		sc.Write(make([]byte, total))
		done <- sc.OutboundBuffered()
	})
	if queued := <-done; queued < 64<<10 {
		t.Skipf("kernel took %d of %d bytes at once; high water never crossed", total-queued, total)
	}
	if h.writable.Load() != 0 {
		t.Fatal("OnWritable before the reader drained anything")
	}
	if _, err := io.ReadFull(client, make([]byte, total)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnWritable", 5*time.Second, func() bool { return h.writable.Load() == 1 })
	waitFor(t, "outbound drained", 5*time.Second, func() bool { return sc.OutboundBuffered() == 0 })
}

// ArmWritable with the outbound buffer already below low water (here:
// empty) calls OnWritable at the end of that loop round; without it
// no write ever crossed high water, so none would come.
func TestArmWritableBelowLowWater(t *testing.T) {
	e := newEngine(t, WithLoops(1))
	h := newWriterHandler()
	ln := listen(t, e, "tcp://127.0.0.1:0", h, ListenConfig{})
	client := dialTCP(t, ln)
	sc := <-h.conns
	done := make(chan int64, 1)
	sc.Loop().Execute(func() {
		sc.Write([]byte("small"))
		sc.ArmWritable()
		done <- h.writable.Load() // not inside the caller's callback
	})
	if n := <-done; n != 0 {
		t.Fatalf("OnWritable ran %d times inside the arming call", n)
	}
	waitFor(t, "OnWritable", 5*time.Second, func() bool { return h.writable.Load() == 1 })
	if _, err := io.ReadFull(client, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
}
