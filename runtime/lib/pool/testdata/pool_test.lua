-- results and errors
local a, b, c = pool.run(function(x, y) return x + y, {x, y}, nil end, 2, 5)
t:eq(a, 7, "first result")
t:eq(b[2], 5, "table result copied")
t:eq(c, nil, "nil result")
local msg = t:error(function()
  pool.run(function() error("worker failed") end)
end, "worker failed")
t:ok(msg:find("pool_test.lua:%d+: worker failed"), "error keeps the worker's file:line: " .. tostring(msg))

-- args are copies
local arg = {n = 1}
pool.run(function(tb) tb.n = 99 end, arg)
t:eq(arg.n, 1, "worker changes a copy")

-- upvalues refused with a clear message
local captured = 1
t:error(function() pool.run(function() return captured end) end, "upvalues (captured)")
t:error(function() pool.run(print) end, "a Lua function expected")
t:error(function() pool.run(function() end, print) end, "cannot copy a function")

-- ctx: done before start -> not started; deadline during the job -> cancelled
local done_ctx, cancel = context.with_cancel(context.background())
cancel()
t:error(function() pool.run(done_ctx, function() shared.dict("pool_test"):set("ran", true) end) end, "context canceled")
t:eq(shared.dict("pool_test"):get("ran"), nil, "cancelled job never started")
local dl = context.with_timeout(context.background(), 0.05)
local t0 = os.clock()
t:error(function() pool.run(dl, function() sleep(5) end) end, "context deadline exceeded")
t:error(function() pool.run(context.with_timeout(context.background(), 0.05), function() while true do end end) end, "deadline exceeded")

-- jobs run in parallel with the script VM
local started = os.time()
local r1
timer.after(0.001, function() r1 = pool.run(function() sleep(0.05) return "slow" end) end)
local r2 = pool.run(function() return "fast" end)
t:eq(r2, "fast", "fast job not stuck behind slow one")
local deadline = timer.now() + 5 -- wait for the slow job, bounded
while r1 == nil and timer.now() < deadline do sleep(0.01) end
t:eq(r1, "slow", "slow job done")

-- submit
t:ok(pool.submit(function(n) shared.dict("pool_test"):incr("n", n) end, 3), "submit")
local st = pool.stats()
t:ok(st.workers >= 1 and st.submitted >= 5, "stats")

-- shared.dict is safe across VMs: 8 workers incrementing at once
local pending = 8
for i = 1, 8 do
  timer.after(0, function()
    pool.run(function()
      local d = shared.dict("pool_test_conc")
      for j = 1, 500 do d:incr("n", 1) end
    end)
    pending = pending - 1
  end)
end
while pending > 0 do sleep(0.005) end
t:eq(shared.dict("pool_test_conc"):get("n"), 4000, "incr is atomic across worker VMs")

-- a job does not see globals an earlier job on the same worker set or
-- removed (sequential jobs reuse the most recently idle worker)
pool.run(function() leaked = 42; tostring = nil; string.marker = true end)
local seen_leaked, has_tostring, marker = pool.run(function() return leaked, tostring ~= nil, string.marker end)
t:eq(seen_leaked, nil, "a global set by an earlier job is gone")
t:eq(has_tostring, true, "a global removed by an earlier job is back")
t:eq(marker, true, "fields set inside library tables stay (documented)")
