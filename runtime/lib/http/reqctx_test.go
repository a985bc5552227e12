package http

import (
	stdctx "context"
	"testing"
	"time"
)

// TestReqContext checks reqContext against the context.Context contract:
// Err and Done before and after cancel, AfterFunc and its stop, and a child
// made with context.WithCancel (which registers through AfterFunc).
func TestReqContext(t *testing.T) {
	c := &reqContext{}
	if c.Err() != nil {
		t.Fatal("Err before cancel")
	}
	done := c.Done()
	child, stopChild := stdctx.WithCancel(c)
	defer stopChild()
	ran := make(chan string, 3)
	stopA := stdctx.AfterFunc(c, func() { ran <- "a" })
	stopB := stdctx.AfterFunc(c, func() { ran <- "b" })
	if !stopB() || stopB() {
		t.Fatal("stop: want true then false")
	}
	select {
	case <-done:
		t.Fatal("Done closed before cancel")
	default:
	}
	c.cancel()
	c.cancel() // idempotent
	<-done
	if c.Err() != stdctx.Canceled {
		t.Fatalf("Err %v", c.Err())
	}
	select {
	case got := <-ran:
		if got != "a" {
			t.Fatalf("ran %s, want a (b was stopped)", got)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("AfterFunc did not run")
	}
	if stopA() {
		t.Fatal("stop after the func ran returned true")
	}
	select {
	case <-child.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("child not cancelled")
	}
	// Registered after cancel: runs at once; Done made after cancel is closed.
	stdctx.AfterFunc(c, func() { ran <- "late" })
	if got := <-ran; got != "late" {
		t.Fatalf("ran %s", got)
	}
	d := &reqContext{}
	d.cancel()
	<-d.Done()
}
