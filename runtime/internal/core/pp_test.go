package core

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestPP: pp prints nested tables with sorted keys, marks cycles and
// writes strings as literals that read back to the same bytes.
func TestPP(t *testing.T) {
	rt, out, _ := newTestRuntime(t, Options{})
	src := `local t = {name = 'x', list = {1, 2}, bytes = '\255\254abc', [3] = 'three'}
t.self = t
pp(t)`
	if err := rt.Eval(context.Background(), "stdin", src, nil); err != nil {
		t.Fatal(err)
	}
	want := "{\n  [3] = \"three\",\n  bytes = \"\\255\\254abc\",\n  list = {\n    1,\n    2,\n  },\n  name = \"x\",\n  self = <cycle>,\n}\n"
	if got := out.String(); got != want {
		t.Fatalf("pp printed\n%s\nwant\n%s", got, want)
	}
}

// TestGoSpawn: go(fn, …) runs fn as a coroutine of its own that may
// suspend; an error in it is logged and does not reach the caller.
func TestGoSpawn(t *testing.T) {
	rt, out, errOut := newTestRuntime(t, Options{})
	src := `go(function(a, b) sleep(0.01); print('sum', a + b) end, 1, 2)
go(function() error('boom in go') end)
print('caller goes on')`
	if err := rt.Eval(context.Background(), "stdin", src, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "sum\t3") || !strings.Contains(errOut.String(), "boom in go") {
		if time.Now().After(deadline) {
			t.Fatalf("stdout %q stderr %q: want sum 3 and the logged error", out.String(), errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.HasPrefix(out.String(), "caller goes on\n") {
		t.Fatalf("stdout %q: the caller should run first", out.String())
	}
}
