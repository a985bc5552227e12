package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// limitedVM is a fakeVM whose EvalLimited runs the chunk under a 50 ms
// budget that fails with the runtime's budget error, as the runtime's would.
type limitedVM struct{ *fakeVM }

var errTestBudget = errors.New("netplay: callback exceeded its budget")

type budgetCtx struct{ context.Context }

func (c budgetCtx) Err() error {
	if c.Context.Err() != nil {
		return errTestBudget
	}
	return nil
}

func (v limitedVM) CanLimit() bool { return true }

func (v limitedVM) EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	bctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	return v.Eval(budgetCtx{bctx}, name, src, onResult)
}

const busyLine = `local t = os.clock() while os.clock() - t < 0.15 do end return "done"`

func TestShellLineBudget(t *testing.T) {
	s, sio, vm := newTestShell(t, lines(":budget", busyLine, ":budget off", busyLine, ":budget on", busyLine, ":budget maybe"))
	s.be.ev = limitedVM{vm}
	s.run()
	out := sio.out.String()
	for _, want := range []string{
		"lines run under the handlers' budget",
		"exceeded its budget", ":budget off lets lines run longer",
		"lines run without a budget", `"done"`,
		"usage: :budget [on|off]",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "exceeded its budget") != 2 || strings.Count(out, `"done"`) != 1 {
		t.Fatalf("want the busy line stopped twice (budget on) and done once (off):\n%s", out)
	}
}

func TestShellBudgetUnavailable(t *testing.T) {
	s, sio, _ := newTestShell(t, lines(":budget off", busyLine))
	s.run()
	if out := sio.out.String(); !strings.Contains(out, "not available") || !strings.Contains(out, `"done"`) {
		t.Fatalf("output:\n%s", out)
	}
}
