//go:build linux

package poll

import (
	"testing"
	"time"
)

// Both ways a Linux loop waits: parked on Go's netpoller (the default) and
// blocking in epoll_wait (when the netpoller does not take the epoll fd).
// Each must time out on its own and wake on wake().
func TestPollerWaitParkedAndBlocking(t *testing.T) {
	for _, blocking := range []bool{false, true} {
		p, err := Open()
		if err != nil {
			t.Fatal(err)
		}
		if p.blocking {
			t.Fatal("the netpoller did not take the epoll fd; loops would block in epoll_wait")
		}
		p.blocking = blocking
		start := time.Now()
		woke, err := p.Wait(20, func(int, Event) { t.Error("event on an empty Poller") })
		if err != nil || woke {
			t.Fatalf("blocking=%v: wait(20) = %v, %v", blocking, woke, err)
		}
		if d := time.Since(start); d < 15*time.Millisecond {
			t.Fatalf("blocking=%v: wait(20) returned after %v", blocking, d)
		}
		done := make(chan bool, 1)
		go func() {
			w, err := p.Wait(-1, func(int, Event) {})
			if err != nil {
				t.Error(err)
			}
			done <- w
		}()
		if err := p.Wake(); err != nil {
			t.Fatal(err)
		}
		select {
		case w := <-done:
			if !w {
				t.Fatalf("blocking=%v: wait returned without the wake", blocking)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("blocking=%v: wake did not end wait(-1)", blocking)
		}
		p.Close()
	}
}
