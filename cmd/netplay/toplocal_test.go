package main

import (
	"strings"
	"testing"
)

func TestKeepTopLocal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"local srv = 1", "srv = 1"},
		{"  local a, b = 1, 2", "  a, b = 1, 2"},
		{"local x = 1; local y = 2", "x = 1; local y = 2"},
		{"local a", "local a"},                             // no value: left alone
		{"local function f() end", "function f() end"},     // a function too
		{"do local x = 1 end", "do local x = 1 end"},       // not at the top
		{"localx = 1", "localx = 1"},                       // not the keyword
		{"local t = {\n  a = 1,\n}", "t = {\n  a = 1,\n}"}, // multi-line chunk
	} {
		got, err := compileChunk(strings.Split(c.in, "\n"))
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got != c.want {
			t.Errorf("compileChunk(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPTYLocalSurvivesTheLine: `local srv = …` typed at the prompt is
// still there on the next line, as the tutorial's blocks need.
func TestPTYLocalSurvivesTheLine(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`local srv = net.listen("tcp://127.0.0.1:0", {on_message = function(c, m) c:send(m) end})`)
	if out := p.line(`srv.url`); !strings.Contains(out, `"tcp://127.0.0.1:`) {
		t.Fatalf("srv.url on the next line printed %q", out)
	}
	p.line(`srv:close()`)
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
