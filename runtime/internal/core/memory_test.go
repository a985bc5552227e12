package core

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A top-level chunk that grows a table without end is stopped with
// "memory limit exceeded" once the heap passes MaxMemory, and the runtime
// goes on (before: it grew about 120 MB/s until the kernel killed it).
func TestMemoryCapStopsChunk(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{MaxMemory: 64 << 20})
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := rt.Eval(ctx, "grow.lua", `local t = {} for i = 1, 1e8 do t[i] = i end`, nil)
	if err == nil || !strings.Contains(err.Error(), "memory limit exceeded") {
		t.Fatalf("chunk = %v; want memory limit exceeded (stderr %s)", err, errOut)
	}
	t.Logf("stopped after %v", time.Since(start))
	if err := rt.RunString("after.lua", `assert(1 + 1 == 2)`); err != nil {
		t.Fatalf("after the cap: %v", err)
	}
	if !strings.Contains(errOut.String(), "memory limit exceeded (live heap") {
		t.Errorf("no log line: %q", errOut)
	}
}

// A pool job is under the same cap.
func TestMemoryCapStopsPoolJob(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{MaxMemory: 64 << 20})
	err := rt.RunString("job.lua", `
local ok, err = pcall(pool.run, function() local t = {} for i = 1, 1e8 do t[i] = i end end)
assert(not ok and err:find("memory limit exceeded"), tostring(err))
assert(pool.run(function(x) return x + 1 end, 1) == 2)`)
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut)
	}
}

// Jobs get a budget: 20 jobs that never return hold every worker only
// until it ends, and a pool.run whose ctx ends while it waits for a worker
// fails at once with the ctx's error.
func TestPoolBudgetAndWaitingCtx(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{PoolBudget: 1500 * time.Millisecond})
	start := time.Now()
	err := rt.RunString("jobs.lua", `
for i = 1, 20 do assert(pool.submit(function() while true do end end)) end
local t0 = timer.now()
local ctx = context.with_timeout(context.background(), 0.1)
local ok, err = pcall(pool.run, ctx, function() return 1 end)
WAITED = timer.now() - t0
assert(not ok and err:find("deadline"), tostring(err))
assert(pool.run(function() return "free" end) == "free")`)
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut)
	}
	if w, err := strconvNum(global(rt, "WAITED")); err != nil || w > 1 {
		t.Errorf("pool.run with a 0.1 s ctx returned after %v s (%v)", w, err)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("a free worker after %v (budget 1.5s)", el)
	}
	if !strings.Contains(errOut.String(), "pool: job exceeded its budget (1.5s)") {
		t.Errorf("budget error not logged: %q", errOut)
	}
}

// A pool job stuck in a pattern builtin stops when its ctx ends: the
// worker VM has netplay's matcher too.
func TestPoolJobPatternStopsAtCtx(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{})
	start := time.Now()
	err := rt.RunString("job.lua", `
local ctx = context.with_timeout(context.background(), 0.2)
local ok, err = pcall(pool.run, ctx, function() return ("a"):rep(3000):find(".-.-.-b") end)
assert(not ok and err:find("deadline"), tostring(err))`)
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the job stopped after %v (ctx 0.2s)", el)
	}
}
