package core

import (
	"runtime"
	"strings"
	"testing"
)

// The builtins that can allocate a lot in one call ask the memory cap
// first: under a 64 MiB cap each of these fails at once with "memory limit
// exceeded", naming the builtin, and the heap does not take the bytes
// (before: string.rep built its 200 MiB, table.concat its 200 MiB, and only
// the 50 ms watchdog could stop what came after). The VM goes on after.
func TestMemoryCapChecksBuiltins(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{MaxMemory: 64 << 20})
	if err := rt.RunString("setup.lua", `MB = ("y"):rep(2^20)`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		op, src string
		most    int64 // MiB the refused call may allocate (0: 56)
	}{
		{"string.rep", `return string.rep("x", 2^30)`, 0},
		{"string.rep", `return ("x"):rep(200 * 2^20)`, 0},
		{"string.rep", `return ("x"):rep("209715200")`, 0},
		{"table.concat", `local t = {} for i = 1, 200 do t[i] = MB end return table.concat(t)`, 0},
		{"string.format", `local a = {} for i = 1, 150 do a[i] = MB end return string.format(("%s"):rep(150), unpack(a))`, 0},
		{"string.format", `return string.format(("%999999d"):rep(200), unpack({}, 1, 200))`, 0},
		// gsub cannot know its result before: it asks at each doubling of
		// its buffer, so it stops with the buffer under the cap (the
		// doublings before add up to about the cap, not the 200 MiB result)
		{"string.gsub", `return (("y"):rep(1000):gsub("y", MB:sub(1, 200 * 2^10)))`, 72},
		{"string.upper", `local t = {} for i = 1, 40 do t[i] = MB end local s = table.concat(t) t = nil return s:upper() .. s:lower()`, 0},
	}
	for _, c := range cases {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := rt.RunString("big.lua", `local ok, err = pcall(function() `+c.src+` end)
OK, ERR = ok, tostring(err)`)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		msg := global(rt, "ERR")
		if global(rt, "OK") != "false" || !strings.Contains(msg, c.op+": memory limit exceeded") {
			t.Errorf("%s: ok=%s err=%q; want %s: memory limit exceeded", c.src, global(rt, "OK"), msg, c.op)
		}
		// what the chunk allocated in all: its own small setup (the 40 MiB
		// string of the last case), never the refused result
		most := c.most
		if most == 0 {
			most = 56
		}
		grew := int64(after.TotalAlloc - before.TotalAlloc)
		t.Logf("%s: refused after allocating %d MiB", c.op, grew>>20)
		if grew > most<<20 {
			t.Errorf("%s: allocated %d MiB under a 64 MiB cap", c.src, grew>>20)
		}
	}
	// a pool job's builtins ask the same cap
	err := rt.RunString("job.lua", `local ok, err = pcall(pool.run, function() return ("x"):rep(2^30) end)
assert(not ok and err:find("string.rep: memory limit exceeded"), tostring(err))`)
	if err != nil {
		t.Fatalf("pool job: %v", err)
	}
	err = rt.RunString("after.lua", `MB = nil
assert(("x"):rep(3) == "xxx" and table.concat({"a", "b"}, ",") == "a,b")
assert(string.format("%5d|%s", 42, "ok") == "   42|ok" and ("abc"):gsub("b", "B") == "aBc")`)
	if err != nil {
		t.Fatalf("after the refusals: %v (stderr %s)", err, errOut)
	}
}
