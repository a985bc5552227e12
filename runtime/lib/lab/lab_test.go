package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	for _, name := range []string{"01-framing", "1", "01", "framing", "FRAMING"} {
		l, err := Find(name)
		if err != nil || l.Name != "01-framing" {
			t.Errorf("Find(%q) = %q, %v; want 01-framing", name, l.Name, err)
		}
	}
	if _, err := Find("nope"); err == nil || !strings.Contains(err.Error(), "01-framing") {
		t.Errorf("Find(nope) = %v, want an error listing the labs", err)
	}
}

// TestLabsComplete checks every embedded lab has a titled lesson, a
// starter and a checker with 3-8 stages declared.
func TestLabsComplete(t *testing.T) {
	all := Labs()
	if len(all) < 6 {
		t.Fatalf("%d labs embedded, want at least 6", len(all))
	}
	for _, l := range all {
		if !strings.HasPrefix(l.Title, "Lab ") {
			t.Errorf("%s: README title %q, want it to start with \"Lab \"", l.Name, l.Title)
		}
		for _, f := range []string{"starter.lua", "check.lua"} {
			if _, err := l.ReadFile(f); err != nil {
				t.Errorf("%s: %v", l.Name, err)
			}
		}
		src, _ := l.ReadFile("check.lua")
		if n := strings.Count(string(src), "\ncheck.stage{"); n < 3 || n > 8 {
			t.Errorf("%s: %d stages, want 3 to 8", l.Name, n)
		}
	}
}

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// TestStartListProgress walks list -> start -> start again (nothing
// overwritten) -> list, with the progress file in a temp XDG_STATE_HOME.
func TestStartListProgress(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Chdir(t.TempDir())

	out, _, code := run(t, "list")
	if code != 0 || !strings.Contains(out, "01-framing") || !strings.Contains(out, "not started") {
		t.Fatalf("list = %d %q", code, out)
	}
	out, errOut, code := run(t, "start", "framing")
	if code != 0 {
		t.Fatalf("start: %d %s", code, errOut)
	}
	for _, f := range []string{"README.md", "starter.lua"} {
		if _, err := os.Stat(filepath.Join("01-framing", f)); err != nil {
			t.Errorf("start did not write %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join("01-framing", "check.lua")); err == nil {
		t.Error("start wrote check.lua; it stays inside the binary")
	}

	mine := "-- my work\n"
	os.WriteFile(filepath.Join("01-framing", "starter.lua"), []byte(mine), 0o644)
	out, _, code = run(t, "start", "1")
	if code != 0 || !strings.Contains(out, "kept") {
		t.Fatalf("second start = %d %q, want the file kept", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join("01-framing", "starter.lua")); string(b) != mine {
		t.Fatalf("start overwrote the learner's starter.lua: %q", b)
	}
	out, _, _ = run(t, "list")
	if !strings.Contains(out, "started") {
		t.Errorf("list after start: %q", out)
	}
	b, err := os.ReadFile(filepath.Join(state, "netplay", "labs.json"))
	if err != nil || !strings.Contains(string(b), "starter.lua") {
		t.Errorf("progress file: %v %s", err, b)
	}

	// a lab with a handler file hands it out too
	if _, _, code := run(t, "start", "loops", "mine"); code != 0 {
		t.Fatal("start loops failed")
	}
	if _, err := os.Stat(filepath.Join("mine", "counter_handler.lua")); err != nil {
		t.Errorf("start loops: %v", err)
	}
}

func TestProgressStatus(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	st, _ := loadState()
	st.started("01-framing", "/x/starter.lua")
	st.checked("01-framing", &Result{Failed: 2, Stages: make([]StageResult, 6)})
	if err := st.save(); err != nil {
		t.Fatal(err)
	}
	st, _ = loadState()
	if s := st.status("01-framing"); s != "stage 3 of 6" {
		t.Errorf("status = %q, want stage 3 of 6", s)
	}
	st.checked("01-framing", &Result{Failed: -1, Stages: make([]StageResult, 6)})
	if s := st.status("01-framing"); s != "passed" {
		t.Errorf("status = %q, want passed", s)
	}
	if s := st.status("02-length-field"); s != "not started" {
		t.Errorf("status = %q, want not started", s)
	}
}

func TestUsage(t *testing.T) {
	if _, errOut, code := run(t, "start"); code != exitUsage || !strings.Contains(errOut, "start needs NAME") {
		t.Errorf("start without NAME: %d %q", code, errOut)
	}
	if _, errOut, code := run(t, "check", "nope"); code != exitUsage || !strings.Contains(errOut, "no lab") {
		t.Errorf("check nope: %d %q", code, errOut)
	}
	out, _, code := run(t, "show", "redis")
	if code != 0 || !strings.HasPrefix(out, "# Lab 3") {
		t.Errorf("show redis: %d %.40q", code, out)
	}
}

func TestColorFor(t *testing.T) {
	if colorFor(&bytes.Buffer{}) {
		t.Error("colour on a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if colorFor(f) {
		t.Error("colour on a regular file")
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no terminal to test the positive case")
	}
	defer tty.Close()
	t.Setenv("NO_COLOR", "")
	if colorFor(tty) {
		t.Error("colour with NO_COLOR set (even empty)")
	}
}
