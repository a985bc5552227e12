package testkit

import (
	"testing"
	"time"
)

// PollInterval is how often WaitFor and PTY.WaitScreen test their condition.
const PollInterval = 5 * time.Millisecond

// WaitFor polls cond until it holds; when timeout passes first the test
// fails with "timed out after TIMEOUT waiting for WHAT". Use it instead of
// sleeping for a guessed time.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(PollInterval)
	}
}
