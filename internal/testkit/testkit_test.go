package testkit

import (
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestWaitForReturnsOnceTrue(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	WaitFor(t, 5*time.Second, "three increments", func() bool { return n.Load() == 3 })
}

// failTB records a Fatalf instead of ending the test.
type failTB struct {
	testing.TB
	msg string
}

func (f *failTB) Helper() {}
func (f *failTB) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

func TestWaitForFailsAfterTimeout(t *testing.T) {
	f := &failTB{TB: t}
	start := time.Now()
	func() {
		defer func() { _ = recover() }()
		WaitFor(f, 30*time.Millisecond, "never", func() bool { return false })
	}()
	if !strings.Contains(f.msg, "timed out after") {
		t.Fatalf("WaitFor on a false condition did not fail: %q", f.msg)
	}
	if el := time.Since(start); el < 30*time.Millisecond || el > 2*time.Second {
		t.Errorf("failed after %v, want about 30ms", el)
	}
}

func TestScreenLines(t *testing.T) {
	raw := "> typed\r\x1b[K> x = 1\nabc\bd\n\x1b[1mbold\x1b[0m\x1b]0;title\x07\nlast\x1b[J\n" +
		"> long line\x1b[2K\r> x\nabcdef\b\b\x1b[1K"
	want := []string{"> x = 1", "abd", "bold", "last", "> x", "     f"}
	if got := ScreenLines(raw); !reflect.DeepEqual(got, want) {
		t.Errorf("ScreenLines = %q, want %q", got, want)
	}
	if got := PlainText("a\x1b[2Kb\r\nc\x1b["); got != "ab\nc" {
		t.Errorf("PlainText = %q", got)
	}
}

func TestPTYRunsAProgram(t *testing.T) {
	sh := NeedTool(t, "sh")
	p := StartPTY(t, exec.Command(sh, "-c", `read x; echo "got $x"; exit 3`), 24, 80)
	p.Send("hello\r")
	if out := p.Expect("got hello"); !strings.Contains(out, "hello") {
		t.Fatalf("Expect returned %q", out)
	}
	p.WaitScreen(0, "the answer on its own line", func(s string) bool { return strings.Contains(s, "\ngot hello") })
	if code := p.Wait(); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
}

func TestNetplayBinBuildsOnce(t *testing.T) {
	a := NetplayBin(t)
	b := NetplayBin(t)
	if a != b {
		t.Fatalf("two builds: %s and %s", a, b)
	}
	out, err := exec.Command(a, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "netplay ") {
		t.Fatalf("netplay version: %v %q", err, out)
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
