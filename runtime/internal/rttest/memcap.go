package rttest

import (
	"io"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// MemCase is one call a module's builtin must refuse under a memory cap:
// Src is Lua run in a pcall'd function (a global MB holds 1 MiB of "y"),
// Op the builtin its error must name. Setup, when set, runs first, outside
// the allocation count.
type MemCase struct {
	Op, Setup, Src string
}

// CheckMemoryCap runs each case under a 64 MiB --max-memory and fails t
// unless the call raises "Op: memory limit exceeded" having allocated less
// than 32 MiB in all; then the runtime must still run Lua.
func CheckMemoryCap(t *testing.T, cases []MemCase) {
	t.Helper()
	rt, err := runtime.New(runtime.Options{MaxMemory: 64 << 20, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(t.Context())
	global := func(name string) (s string) {
		rt.Do(func(L *lua.LState) { s = L.GetGlobal(name).String() })
		return s
	}
	for _, c := range cases {
		if err := rt.RunString("setup.lua", `MB = ("y"):rep(2^20) `+c.Setup); err != nil {
			t.Fatalf("%s: %v", c.Setup, err)
		}
		goruntime.GC()
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		err := rt.RunString("big.lua", "local ok, err = pcall(function() "+c.Src+" end)\nOK, ERR = ok, tostring(err)")
		goruntime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", c.Src, err)
		}
		if msg := global("ERR"); global("OK") != "false" || !strings.Contains(msg, c.Op+": memory limit exceeded") {
			t.Errorf("%s: ok=%s err=%q; want %s: memory limit exceeded", c.Src, global("OK"), msg, c.Op)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
			t.Errorf("%s: allocated %d MiB under a 64 MiB cap", c.Src, grew>>20)
		}
		if err := rt.RunString("after.lua", `MB, T, S, A = nil assert(#("x"):rep(10) == 10)`); err != nil {
			t.Fatalf("after %s: %v", c.Src, err)
		}
	}
}
