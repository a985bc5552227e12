package core

import (
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// A timer that re-arms itself and fails at once used to print hundreds of
// tracebacks a second; the same error is now printed once a second, with
// a line counting the repeats.
func TestRepeatedErrorRateLimited(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{})
	start := time.Now()
	if err := rt.RunString("flood.lua", `
N = 0
local function f()
  N = N + 1
  timer.after(0, f)
  error("boom")
end
f()`); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("main chunk: %v", err)
	}
	luatest.WaitFor(t, "a summary line", 5*time.Second, func() bool {
		return strings.Contains(errOut.String(), "more of \"flood.lua:6: boom\" in the last")
	})
	elapsed := time.Since(start)
	var n float64
	if err := rt.RunString("count.lua", "COUNT = N"); err != nil {
		t.Fatal(err)
	}
	n, _ = strconvNum(global(rt, "COUNT"))
	printed := strings.Count(errOut.String(), "stack traceback:")
	// one for the main chunk's own error, then at most one a second
	if limit := 2 + int(elapsed/time.Second); printed > limit || n < 10 {
		t.Errorf("%.0f errors in %v, %d tracebacks printed (at most %d)", n, elapsed, printed, limit)
	}
}
