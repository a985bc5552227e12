package rttest

import (
	"context"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// Start starts a runtime with opts, stopped (5 s grace) when t ends, and
// returns it with eval, which runs src on its script VM and returns the
// first value src returns as a string ("" for none); a Lua error fails t.
func Start(t *testing.T, opts runtime.Options) (*runtime.Runtime, func(src string) string) {
	t.Helper()
	rt, err := runtime.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	eval := func(src string) (got string) {
		t.Helper()
		err := rt.Eval(context.Background(), "test", src, func(_ *lua.LState, vals []lua.LValue) {
			if len(vals) > 0 {
				got = vals[0].String()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	return rt, eval
}
