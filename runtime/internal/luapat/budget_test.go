package luapat

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// positionRE is the "chunk:line: " before a Lua error message.
var positionRE = regexp.MustCompile(`^[^:\n]*:\d+: `)

// runWithDeadline runs src on a state with netplay's matcher under a
// context that ends after d, and returns the error message (without its
// position) and how long the run took.
func runWithDeadline(t *testing.T, src string, d time.Duration) (string, time.Duration) {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	Install(L)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	L.SetContext(ctx)
	start := time.Now()
	err := L.DoString(src)
	took := time.Since(start)
	if err == nil {
		t.Fatalf("%s finished within %v: not pathological enough to test the deadline", src, took)
	}
	msg := err.Error()
	if ae, ok := err.(*lua.ApiError); ok {
		msg = ae.Object.String()
	}
	return positionRE.ReplaceAllString(msg, ""), took
}

// The two cases of issue 18: each ran for many seconds (the trim idiom on
// a 30 KB line) or minutes (.-.-.-b on 3 KB) with nothing able to stop
// them. With a 100 ms deadline both stop within about 110 ms on an idle
// machine, with the error a Lua loop gets from the same context.
func TestPathologicalPatternsStopAtTheDeadline(t *testing.T) {
	const deadline = 100 * time.Millisecond
	loopMsg, loopTook := runWithDeadline(t, "while true do end", deadline)
	t.Logf("a Lua loop stopped after %v", loopTook)
	// about 100-110 ms on an idle machine; the margin is for a loaded one,
	// where the loop is late too (without the check these patterns run for
	// seconds to minutes)
	limit := max(10*deadline, 5*loopTook) // wide: a loaded CI machine stretches wall time; unbounded patterns run for minutes
	cases := []struct{ name, src string }{
		{name: "trim idiom on a 30 KB line", src: `local m = "x" .. (" "):rep(30000) .. "x"
			return m:match("^%s*(.-)%s*$")`},
		{name: "find .-.-.-b on 3 KB", src: `local s = ("a"):rep(3000)
			return s:find(".-.-.-b")`},
		{name: "gsub", src: `local s = ("a"):rep(3000)
			return s:gsub(".-.-.-b", "x")`},
		{name: "gmatch", src: `local s = ("a"):rep(3000)
			for w in s:gmatch(".-.-.-b") do end`},
		{name: "string.match in a coroutine", src: `local m = "x" .. (" "):rep(30000) .. "x"
			local co = coroutine.wrap(function() return string.match(m, "^%s*(.-)%s*$") end)
			return co()`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, took := runWithDeadline(t, tc.src, deadline)
			t.Logf("stopped after %v: %s", took, msg)
			if msg != loopMsg {
				t.Errorf("error %q, want the one a Lua loop gets: %q", msg, loopMsg)
			}
			if took > limit {
				t.Errorf("stopped after %v, want about %v", took, deadline)
			}
		})
	}
}

// tripContext is a context whose Done is nil until Trip, as netplay's
// per-callback budget is (a nil Done costs gopher-lua nothing per
// instruction).
type tripContext struct {
	context.Context
	tripped atomic.Bool
	ch      chan struct{}
}

func (c *tripContext) Done() <-chan struct{} {
	if c.tripped.Load() {
		return c.ch
	}
	return nil
}

func (c *tripContext) Err() error {
	if c.tripped.Load() {
		return errBudgetForTest
	}
	return nil
}

var errBudgetForTest = &Error{Msg: "netplay: callback exceeded its budget"}

func TestBudgetStyleContext(t *testing.T) {
	ctx := &tripContext{Context: context.Background(), ch: make(chan struct{})}
	close(ctx.ch)
	L := lua.NewState()
	defer L.Close()
	Install(L)
	L.SetContext(ctx)
	time.AfterFunc(50*time.Millisecond, func() { ctx.tripped.Store(true) })
	start := time.Now()
	err := L.DoString(`local s = ("a"):rep(3000) return s:find(".-.-.-b")`)
	if err == nil || !strings.Contains(err.Error(), "netplay: callback exceeded its budget") {
		t.Fatalf("err = %v, want the budget's error", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("stopped after %v, want about 50ms", took)
	}
}

// A Lua error inside a gsub replacement function is the caller's error, not
// swallowed by the matcher.
func TestReplacementFunctionErrors(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	Install(L)
	err := L.DoString(`
		local ok, err = pcall(string.gsub, "abc", "%w", function(c) error("boom " .. c) end)
		assert(not ok and err:find("boom a", 1, true), err)
		local ok, err = pcall(string.gsub, "abc", "%w", function(c) return {} end)
		assert(not ok and err:find("invalid replacement value (a table)", 1, true), err)
		assert(("x"):gsub("x", "%%") == "%")
		assert(select("#", string.match("abc", "z")) == 1)
		assert(("hello"):match("^(h)(e)") == "h")
	`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestInit(t *testing.T) {
	for _, tc := range []struct{ init, length, want int }{
		{1, 5, 0}, {0, 5, 0}, {-1, 5, 4}, {-5, 5, 0}, {-6, 5, 0}, {6, 5, 5}, {7, 5, 5}, {3, 0, 0},
	} {
		if got := Init(tc.init, tc.length); got != tc.want {
			t.Errorf("Init(%d, %d) = %d, want %d", tc.init, tc.length, got, tc.want)
		}
	}
}

// A gsub whose result would pass its bound fails with a clear error before
// building it (the VMs' bound is MaxResult, 256 MiB; 1 MiB here keeps the
// test light).
func TestGsubResultBound(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	install(L, 1<<20, nil)
	err := L.DoString(`
		local big = ("y"):rep(64 * 1024)
		local ok, err = pcall(string.gsub, ("x"):rep(20), "x", big)
		assert(not ok and err:find("string.gsub: result too large (more than 1 MiB)", 1, true), err)
		local ok, err = pcall(string.gsub, ("x"):rep(20), "x", function() return big end)
		assert(not ok and err:find("result too large", 1, true), err)
		local ok, err = pcall(string.gsub, big, ".+", ("%0"):rep(20))
		assert(not ok and err:find("result too large", 1, true), err)
		assert(#(("x"):rep(15):gsub("x", big)) == 15 * 64 * 1024)
	`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestGsubMaxResultGoAPI(t *testing.T) {
	keep := func(*Result) (string, bool, error) { return "", true, nil }
	if _, _, err := Gsub("abcdef", "x", 10, keep, Options{MaxResult: 5}); err == nil || !strings.Contains(err.Error(), "more than 5 bytes") {
		t.Errorf("a 6-byte result under MaxResult 5: err = %v", err)
	}
	if out, n, err := Gsub("abcdef", "c", 10, keep, Options{MaxResult: 6}); err != nil || out != "abcdef" || n != 1 {
		t.Errorf("Gsub = %q, %d, %v", out, n, err)
	}
}
