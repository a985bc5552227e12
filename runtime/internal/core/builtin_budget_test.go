package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// trimLine is a line on which the trim idiom m:match("^%s*(.-)%s*$") is
// quadratic: 30 KB of blanks between two other bytes (each step of "-"
// lets %s* run over the rest of the blanks).
func trimLine() string {
	return "a" + strings.Repeat(" ", 30000) + "z"
}

// findLine makes s:find(".-.-.-b") try every split of 3 KB: it does not
// finish in minutes.
func findLine() string { return "find" + strings.Repeat("a", 3000) }

// The budget stops a handler stuck inside string.match or string.find, on
// the script VM and on loop VMs, with the usual budget error, and the
// server keeps answering other conns.
func TestBudgetStopsPatternBuiltins(t *testing.T) {
	for _, tc := range []struct{ name, listen string }{
		{"script VM", `{codec = codec.line(), on_message = function(c, msg)
    if msg:sub(1, 4) == "find" then c:send(tostring(msg:find(".-.-.-b"))) return end
    c:send("[" .. msg:match("^%s*(.-)%s*$") .. "]")
  end}`},
		{"loop VM", `{vm = "loop", handler = "testdata/handlers/trim.lua"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, errOut := newTestRuntime(t, Options{Budget: 200 * time.Millisecond, Loops: 1})
			addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", `+tc.listen+`))
ADDR = srv.addr`)
			for i, line := range []string{trimLine(), findLine()} {
				bad, good := luatest.DialLine(t, addr), luatest.DialLine(t, addr)
				bad.Send(line)
				start := time.Now()
				good.Send("  hi  ")
				if got, err := good.Recv(5 * time.Second); err != nil || got != "[hi]" {
					t.Fatalf("bystander: %q, %v (stderr %s)", got, err, errOut)
				}
				if got, err := bad.Recv(5 * time.Second); err == nil {
					t.Fatalf("pattern conn answered %d bytes", len(got))
				}
				if el := time.Since(start); el > 3*time.Second {
					t.Errorf("pattern stopped after %v (budget 200ms)", el)
				}
				luatest.WaitFor(t, "budget error", 3*time.Second, func() bool {
					return strings.Count(errOut.String(), "callback exceeded its budget (200ms)") > i
				})
			}
		})
	}
}

// Interrupting a chunk (Ctrl-C in the shell) stops it inside a builtin.
func TestInterruptStopsPatternBuiltin(t *testing.T) {
	rt, _, _ := newTestRuntime(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := rt.Eval(ctx, "stdin", `return ("a"):rep(3000):find(".-.-.-b")`, nil)
	var se *host.ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "interrupted") {
		t.Fatalf("Eval = %v, want interrupted", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("interrupt took %v", el)
	}
}

// A graceful stop ends within its grace period while a handler with no
// budget is stuck inside string.find.
func TestStopInterruptsStuckBuiltin(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Budget: -1})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, msg)
  STUCK = true
  c:send(tostring(msg:find(".-.-.-b")))
end}))
ADDR = srv.addr`)
	c := luatest.DialLine(t, addr)
	c.Send(findLine())
	luatest.WaitFor(t, "handler stuck", 5*time.Second, func() bool {
		return rt.script.s.running.Load() != nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	err := rt.Stop(ctx)
	if el := time.Since(start); err != nil || el > 2*time.Second {
		t.Fatalf("Stop = %v after %v (grace 3s; stderr %s)", err, el, errOut)
	}
}
