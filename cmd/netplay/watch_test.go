package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// lockedBuf is a bytes.Buffer for a child's stderr, read by the test.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// netplay run --watch reloads a handler file when it is saved; a broken
// save is reported as file:line and the old code keeps answering.
func TestRunWatch(t *testing.T) {
	dir := t.TempDir()
	h := filepath.Join(dir, "h.lua")
	version := func(v string) string {
		return `return {codec = codec.line(), on_message = function(c, m) c:send("` + v + ` " .. m) end}` + "\n"
	}
	os.WriteFile(h, []byte(version("v1")), 0o644)
	os.WriteFile(filepath.Join(dir, "main.lua"), []byte(`local srv = assert(net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "h.lua"}))
print("ADDR " .. srv.addr)`), 0o644)
	cmd := exec.Command(testkit.NetplayBin(t), "run", "--watch", filepath.Join(dir, "main.lua"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut lockedBuf
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	m := regexp.MustCompile(`ADDR (\S+)`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("first line %q, %v (stderr %s)", line, err, errOut.String())
	}
	go func() { // keep reading: "reloaded" lines
		for {
			if _, err := out.ReadString('\n'); err != nil {
				return
			}
		}
	}()
	c := dialTCP(t, m[1])
	r := bufio.NewReader(c)
	n := 0
	ask := func() string {
		t.Helper()
		n++
		fmt.Fprintf(c, "m%d\n", n)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("m%d: %v (stderr %s)", n, err, errOut.String())
		}
		return strings.TrimSpace(s)
	}
	waitVersion := func(v string) {
		t.Helper()
		testkit.WaitFor(t, 5*time.Second, "replies from "+v, func() bool { return strings.HasPrefix(ask(), v+" ") })
	}
	waitVersion("v1")
	os.WriteFile(h, []byte(version("v2")), 0o644)
	waitVersion("v2")
	os.WriteFile(h, []byte("return {on_message = function(c, m)\n  c:send(\nend}\n"), 0o644)
	testkit.WaitFor(t, 5*time.Second, "the broken save's file:line on stderr", func() bool {
		return strings.Contains(errOut.String(), "h.lua:3:")
	})
	if got := ask(); !strings.HasPrefix(got, "v2 ") {
		t.Fatalf("after a broken save: %q, want the old code's v2", got)
	}
}
