package main

import (
	"bufio"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestPTYCloseConn: :close ID closes conn ID whichever server accepted it,
// or a conn the shell dialed, says what it closed, and its on_close gets
// the reason; an unknown id says so.
func TestPTYCloseConn(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`srv = net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end,
  on_close = function(c, err) print("ON_CLOSE " .. c.id .. " " .. tostring(err)) end})`)
	out := p.line(`print("ADDR " .. srv.addr)`)
	m := regexp.MustCompile(`ADDR (127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no address in %q", out)
	}
	c := dialTCP(t, m[1])
	r := bufio.NewReader(c)
	c.Write([]byte("hi\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "hi\n" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	out = p.line(`print("CONNS " .. srv:conns()[1].id)`)
	id := regexp.MustCompile(`CONNS (\d+)`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no conn id in %q", out)
	}
	out = p.line(":close " + id[1])
	if !regexp.MustCompile(`conn ` + id[1] + ` closed \(tcp 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+, accepted by tcp://127\.0\.0\.1:\d+\)`).MatchString(out) {
		t.Fatalf(":close %s printed %q", id[1], out)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF {
		t.Fatalf("the peer of a closed conn read %v, want EOF", err)
	}
	if want := "ON_CLOSE " + id[1] + " closed from the shell (:close)"; !strings.Contains(out, want) {
		p.Expect(want) // printed by on_close, after :close's own line or before it
		p.Expect("\n> ")
	}
	// a conn the shell dialed
	p.line(`d = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))`)
	out = p.line(`print("DIALED " .. d.id)`)
	did := regexp.MustCompile(`DIALED (\d+)`).FindStringSubmatch(out)
	if did == nil {
		t.Fatalf("no dialed id in %q", out)
	}
	out = p.line(":close " + did[1])
	if !strings.Contains(out, "conn "+did[1]+" closed (tcp ") || !strings.Contains(out, ", dialed)") {
		t.Fatalf(":close %s (dialed) printed %q", did[1], out)
	}
	if !strings.Contains(out, "ON_CLOSE ") { // the server's side of the dialed conn ends too
		p.Expect("ON_CLOSE ")
		p.Expect("\n> ")
	}
	p.Send(`print("RECV", d:receive(2))` + "\r")
	p.Expect("RECV\tnil\tclosed from the shell (:close)")
	p.Expect("\n> ")
	if out := p.line(":close 99999"); !strings.Contains(out, "no open conn 99999 (see :conns)") {
		t.Fatalf(":close of an unknown conn printed %q", out)
	}
	if out := p.line(":close x9"); !strings.Contains(out, "no server or timer x9") {
		t.Fatalf(":close x9 printed %q", out)
	}
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
