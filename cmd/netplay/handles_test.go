package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPTYServersAndTimers finds a server kept only in a local and a stray
// timer, lists them and ends them by id, in the real shell.
func TestPTYServersAndTimers(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`local srv = net.listen("tcp://127.0.0.1:0", {on_message = function(c, m) c:send(m) end})`)
	p.line(`timer.every(0.05, function() end)`)
	p.line(`timer.after(30, function() end)`)
	p.line(`timer.after(0.001, function() end)`)
	p.line(`sleep(0.05)`) // the 1 ms timer has fired
	out := p.line(":servers")
	if !regexp.MustCompile(`s1\s+server 1 tcp://127\.0\.0\.1:\d+ \(0 conns\)`).MatchString(out) {
		t.Fatalf(":servers printed %q, want s1 and the server", out)
	}
	out = p.line(":timers")
	if !regexp.MustCompile(`t1\s+timer 1 every 0\.05s \(next in 0\.0\ds\)`).MatchString(out) ||
		!regexp.MustCompile(`t2\s+timer 2 after 30s \(due in 29\.\d\ds\)`).MatchString(out) || strings.Contains(out, "t3") {
		t.Fatalf(":timers printed %q, want t1 and t2 but not the fired t3", out)
	}
	p.Send(":close s\t") // completes the only server id
	p.Expect(":close s1")
	p.Send("\x03")
	p.Expect("\n> ")
	if out := p.line(":close s1"); !strings.Contains(out, "s1 closed") {
		t.Fatalf(":close s1 printed %q", out)
	}
	if out := p.line(":servers"); !strings.Contains(out, "no open servers") && !strings.Contains(out, "(closed)") {
		t.Fatalf(":servers after :close printed %q", out)
	}
	if out := p.line(":stop t1"); !strings.Contains(out, "t1 stopped") {
		t.Fatalf(":stop t1 printed %q", out)
	}
	if out := p.line(":stop t1"); !strings.Contains(out, "no server or timer t1") {
		t.Fatalf(":stop t1 again printed %q", out)
	}
	if out := p.line(":timers"); strings.Contains(out, "t1") || !strings.Contains(out, "t2") {
		t.Fatalf(":timers after :stop printed %q", out)
	}
	// no wrappers: the module functions' own argument errors and names
	if out := p.line(`timer.after("x", print)`); !strings.Contains(out, "stdin:1: bad argument #1 to after") {
		t.Fatalf("a bad timer.after argument printed %q", out)
	}
	if out := p.line(`net.listen(5)`); strings.Contains(out, "anonymous") {
		t.Fatalf("a bad net.listen argument printed %q", out)
	}
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
