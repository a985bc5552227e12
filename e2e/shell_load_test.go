package e2e

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestShellLoadTutorialEcho loads the tutorial's echo.lua into a real shell
// with its URL argument, as `netplay run echo.lua URL` would take it (the
// shell had no arg, so the script failed on arg[1]), and talks to it.
func TestShellLoadTutorialEcho(t *testing.T) {
	var code string
	for _, b := range luaBlocks(t, "../docs/tutorial.md") {
		if strings.Contains(b.code, "-- echo.lua:") {
			code = b.code
		}
	}
	if code == "" {
		t.Fatal("docs/tutorial.md has no block with the line \"-- echo.lua:\"")
	}
	s := startPTYShell(t)
	dir := s.Cmd.Dir
	if err := os.WriteFile(filepath.Join(dir, "echo.lua"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	s.Expect("\n> ")
	s.Send(":load echo.lua tcp://127.0.0.1:0\r")
	m := regexp.MustCompile(`listening on tcp://(127\.0\.0\.1:\d+)`).FindStringSubmatch(
		s.ExpectRe(regexp.MustCompile(`listening on tcp://127\.0\.0\.1:\d+\n`)))
	c, err := net.DialTimeout("tcp", m[1], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "echo: hi\n" {
		t.Fatalf("the loaded server answered %q, %v; want \"echo: hi\\n\"", line, err)
	}
	s.Expect("open")
	s.Send("arg[1]\r")
	s.Expect(`"tcp://127.0.0.1:0"`)
	s.Expect("\n> ") // Ctrl-D before the prompt is read in cooked mode and lost
	s.Send("\x04")
	if code := s.Wait(); code != 0 {
		t.Fatalf("shell exit %d after Ctrl-D", code)
	}
}
