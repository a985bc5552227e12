package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// fakeLearner is a stand-in for `netplay run`: a shell script that sleeps,
// so these tests need no netplay binary.
func fakeLearner(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-netplay")
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho started \"$@\"\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func fakeLab(check string) Lab {
	return Lab{Name: "99-test", Title: "Lab 99: test", files: fstest.MapFS{
		"README.md":   {Data: []byte("# Lab 99: test\n")},
		"starter.lua": {Data: []byte("-- nothing\n")},
		"check.lua":   {Data: []byte(check)},
	}}
}

// TestCheckBounds: a stage that overruns its limit is stopped and
// reported, a Lua error in check.lua is reported as the checker's, a
// failure inside check.parallel fails the stage, and the learner's process
// is stopped at the end.
func TestCheckBounds(t *testing.T) {
	for _, tc := range []struct {
		name, check string
		failed      int
		want        []string
	}{
		{name: "stage overruns", failed: 1, check: `
check.stage{name = "fine", run = function() check.expect_output("started", 5); check.note("quick") end}
check.stage{name = "slow", timeout = 0.3, run = function() check.note("about to sleep"); sleep(10) end}
check.stage{name = "never", run = function() end}
`, want: []string{"stage 2: 0.3 s", "the stage did not finish within its 0.3 s", "· about to sleep"}},
		{name: "checker bug", failed: 0, check: `
check.stage{name = "buggy", hint = "not this one", run = function() check.expect_output("started", 5); local x = nil; return x.y end}
check.stage{name = "x", run = function() end}
check.stage{name = "y", run = function() end}
`, want: []string{"the checker stopped: 99-test/check.lua:2:", "a bug in the lab's check.lua"}},
		{name: "parallel failure", failed: 0, check: `
check.stage{name = "parallel", run = function() check.expect_output("started", 5)
  check.parallel{function() sleep(0.01) end, function() check.fail("client 2 saw a problem", {hint = "h2"}) end}
end}
check.stage{name = "x", run = function() end}
check.stage{name = "y", run = function() end}
`, want: []string{"client 2 saw a problem", "hint: h2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			start := time.Now()
			res, err := Check(fakeLab(tc.check), filepath.Join(t.TempDir(), "starter.lua"),
				CheckOptions{Out: &out, Bin: fakeLearner(t)})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("check took %s", took)
			}
			if got := res.Stages[0].Output; !strings.HasPrefix(got, "started run starter.lua tcp://127.0.0.1:") {
				t.Errorf("stage 1 output %q, want the learner's start-up line", got)
			}
			if res.Failed != tc.failed {
				t.Errorf("failed at %d, want %d:\n%s", res.Failed, tc.failed, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}
