package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestPTYTrace: :trace sN on|off and :trace CONN on|off turn the trace =
// true hexdump of a live server or conn on and off; :trace alone lists
// what is traced, trace = true included; an unknown id says so.
func TestPTYTrace(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	echo := lineEcho(t, p)
	if out := p.line(":trace"); !strings.Contains(out, "nothing traced") {
		t.Fatalf(":trace with nothing traced printed %q", out)
	}
	// sync waits until everything printed so far is read: a line printing a
	// word its own echo does not contain
	n := 0
	sync := func() string {
		t.Helper()
		n++
		w := "SYNC" + strings.Repeat("x", n)
		p.Send(`print("SY" .. "NC` + strings.Repeat("x", n) + `")` + "\r")
		out := p.Expect(w + "\n")
		return out + p.Expect("> ")
	}
	echo("untraced")
	out := p.line(`print("CONN " .. srv:conns()[1].id)`)
	id := regexp.MustCompile(`CONN (\d+)`).FindStringSubmatch(out)
	if id == nil || strings.Contains(out, "untraced") {
		t.Fatalf("no conn id, or untraced traffic printed: %q", out)
	}
	if out := p.line(":trace s1 on"); !regexp.MustCompile(`trace on for server 1 tcp://127\.0\.0\.1:\d+`).MatchString(out) {
		t.Fatalf(":trace s1 on printed %q", out)
	}
	if out := p.line(":trace"); !regexp.MustCompile(`s1\s+server 1 `).MatchString(out) {
		t.Fatalf(":trace list printed %q, want s1", out)
	}
	echo("first")
	p.Expect(`6 B  "first\n"`)
	p.Expect(`6 B  "first\n"`) // in and out
	sync()
	if out := p.line(":trace s1 off"); !strings.Contains(out, "trace off for server 1") {
		t.Fatalf(":trace s1 off printed %q", out)
	}
	echo("second")
	if out := sync(); strings.Contains(out, "second") {
		t.Fatalf("traffic printed after :trace s1 off: %q", out)
	}
	// one conn of the server
	if out := p.line(":trace " + id[1] + " on"); !strings.Contains(out, "trace on for conn "+id[1]+" (tcp ") {
		t.Fatalf(":trace %s on printed %q", id[1], out)
	}
	if out := p.line(":trace"); !regexp.MustCompile(`(?m)^`+id[1]+`\s+conn `+id[1]).MatchString(out) || strings.Contains(out, "s1 ") {
		t.Fatalf(":trace list printed %q, want conn %s only", out, id[1])
	}
	echo("third")
	p.Expect(`6 B  "third\n"`)
	sync()
	if out := p.line(":trace " + id[1] + " off"); !strings.Contains(out, "trace off for conn "+id[1]) {
		t.Fatalf(":trace %s off printed %q", id[1], out)
	}
	echo("fourth")
	if out := sync(); strings.Contains(out, "fourth") {
		t.Fatalf("traffic printed after :trace CONN off: %q", out)
	}
	// a dialed conn with trace = true is listed and can be turned off
	p.line(`d = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line(), trace = true}))`)
	out = p.line(`print("DIALED " .. d.id)`)
	did := regexp.MustCompile(`DIALED (\d+)`).FindStringSubmatch(out)
	if did == nil {
		t.Fatalf("no dialed id in %q", out)
	}
	if out := p.line(":trace"); !regexp.MustCompile(`(?m)^` + did[1] + `\s+conn ` + did[1]).MatchString(out) {
		t.Fatalf(":trace list printed %q, want the dialed conn %s", out, did[1])
	}
	if out := p.line(":trace " + did[1] + " off"); !strings.Contains(out, "trace off for conn "+did[1]) {
		t.Fatalf(":trace %s off printed %q", did[1], out)
	}
	p.Send(`d:send("quiet") print("GOT " .. d:receive(2))` + "\r")
	out = p.Expect("GOT quiet")
	if strings.Contains(out, `"quiet\n"`) {
		t.Fatalf("a dialed conn traced after :trace off: %q", out)
	}
	p.Expect("\n> ")
	if out := p.line(":trace 99999 on"); !strings.Contains(out, "no open conn 99999 (see :conns)") {
		t.Fatalf(":trace of an unknown conn printed %q", out)
	}
	if out := p.line(":trace s9 on"); !strings.Contains(out, "no open server s9") {
		t.Fatalf(":trace of an unknown server printed %q", out)
	}
	if out := p.line(":help"); !strings.Contains(out, ":trace [ID on|off]") {
		t.Fatalf(":help lacks :trace: %q", out)
	}
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
