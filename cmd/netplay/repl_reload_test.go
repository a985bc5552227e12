package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// :reload switches an open conn to the new handler code; a broken file is
// reported as file:line and the old code keeps answering.
func TestPTYReload(t *testing.T) {
	dir := t.TempDir()
	h := filepath.Join(dir, "h.lua")
	version := func(v string) []byte {
		return []byte(`return {codec = codec.line(), on_message = function(c, m) c:send("` + v + ` " .. m) end}` + "\n")
	}
	os.WriteFile(h, version("v1"), 0o644)
	cmd := exec.Command(testkit.NetplayBin(t))
	cmd.Dir = dir
	p := startShellCmd(t, cmd, histPath(t))
	p.Expect("\n> ")
	p.line(`srv = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "h.lua"})`)
	p.line(`plain = net.listen("tcp://127.0.0.1:0", {on_message = function(c, m) end})`)
	out := p.line(`print("ADDR " .. srv.addr)`)
	m := regexp.MustCompile(`ADDR (127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no address in %q", out)
	}
	c := dialTCP(t, m[1])
	r := bufio.NewReader(c)
	ask := func(msg, want string) {
		t.Helper()
		c.Write([]byte(msg + "\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if got, err := r.ReadString('\n'); err != nil || got != want+"\n" {
			t.Fatalf("%s: %q, %v; want %q", msg, got, err, want)
		}
	}
	ask("a", "v1 a")
	os.WriteFile(h, version("v2"), 0o644)
	if out := p.line(":reload"); !strings.Contains(out, "s1 reloaded") || strings.Contains(out, "s2") {
		t.Fatalf(":reload printed %q", out)
	}
	ask("b", "v2 b")
	os.WriteFile(h, []byte("return {on_message = function(c, m)\n  c:send(\nend}\n"), 0o644)
	if out := p.line(":reload s1"); !regexp.MustCompile(`s1: \S*h\.lua:3: `).MatchString(out) {
		t.Fatalf(":reload of a broken file printed %q", out)
	}
	ask("c", "v2 c")
	if out := p.line(":reload s2"); !strings.Contains(out, "no handler file") {
		t.Fatalf(":reload s2 printed %q", out)
	}
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
