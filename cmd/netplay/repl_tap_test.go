package main

import (
	"strings"
	"testing"
)

// :tap prints a server's traffic above the prompt, leaving a half-typed
// line intact; :tap CONN filters; :tap off stops.
func TestPTYTap(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	echo := lineEcho(t, p)
	if out := p.line(":tap"); !strings.Contains(out, "tapping every server") {
		t.Fatalf(":tap printed %q", out)
	}
	p.Send("local half") // typed, not entered, while the tap prints
	p.Expect("> local half")
	mark := len(p.Screen()) - 1
	echo("first")
	p.WaitScreen(mark, "the tap's lines above the prompt", func(s string) bool {
		return strings.Contains(s, `< conn `) && strings.Contains(s, `> conn `) && strings.Count(s, `6 B  "first\n"`) == 2 &&
			strings.HasSuffix(strings.TrimRight(s, " \n"), "> local half")
	})
	p.Send("\x03") // drop the half line
	p.Expect("^C")
	p.Expect("\n> ")
	if out := p.line(":tap off"); !strings.Contains(out, "tap off (1 stopped)") {
		t.Fatalf(":tap off printed %q", out)
	}
	echo("second")
	if out := p.line(`print("after")`); strings.Contains(out, "second") {
		t.Fatalf("a stopped tap printed: %q", out)
	}
	if out := p.line(":tap 99999"); !strings.Contains(out, "tapping conn 99999") {
		t.Fatalf(":tap CONN printed %q", out)
	}
	echo("third") // not conn 99999
	if out := p.line(`print("after third")`); strings.Contains(out, "third\\n") {
		t.Fatalf("a tap of another conn printed: %q", out)
	}
	if out := p.line(":tap off"); !strings.Contains(out, "tap off (1 stopped)") {
		t.Fatalf(":tap off printed %q", out)
	}
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
