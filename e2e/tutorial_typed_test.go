package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// shellErrorRE matches an error the shell prints for a typed chunk.
var shellErrorRE = regexp.MustCompile(`(?m)^stdin:\d+: |assertion failed|attempt to `)

// TestTutorialTypedIntoShell types every script block of the tutorial into
// a real shell line by line, as a reader following along would, and checks
// that no line fails: a chunk that starts with `local srv = …` must still
// have srv on the next line.
func TestTutorialTypedIntoShell(t *testing.T) {
	for _, b := range luaBlocks(t, "../docs/tutorial.md") {
		if b.shell() || b.skipReason() != "" {
			continue
		}
		t.Run(b.name(), func(t *testing.T) {
			code := strings.ReplaceAll(b.code, docPort, freePort(t))
			s := startPTYShell(t)
			s.WaitScreen(0, "first prompt", promptRE.MatchString)
			for _, line := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				mark := len(s.Screen()) - 1
				s.Send(line + "\r")
				s.WaitScreen(mark, fmt.Sprintf("prompt after %q", line), promptAfterOutput)
			}
			out := s.ScreenFrom(0)
			if loc := shellErrorRE.FindStringIndex(out); loc != nil {
				t.Fatalf("typing %s into the shell failed:\n%s", b.name(), out)
			}
			s.Send("\x04")
			if code := s.Wait(); code != 0 {
				t.Fatalf("shell exited with %d:\n%s", code, out)
			}
		})
	}
}
