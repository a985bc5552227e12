-- backpressure: c:send reports it past high water, on_writable follows.
-- The client pauses its reads first, so the kernel's socket buffers fill
-- and the server's outbound buffer has to take the rest.
local result = {}
local chunks = 128 -- 2 MiB: more than loopback's socket buffers hold unread
local srv = assert(net.listen("tcp://127.0.0.1:0", {
  high_water = 64 * 1024, low_water = 16 * 1024,
  on_message = function(c)
    local chunk = string.rep("x", 16 * 1024)
    for i = 1, chunks do
      local ok, err = c:send(chunk)
      if not ok then
        result.sent, result.err = i, err
        return
      end
    end
  end,
  on_writable = function(c) result.writable = true; c:close() end,
}))
local c = assert(net.connect("tcp://" .. srv.addr))
c:pause()
c:send("go")
for _ = 1, 400 do -- up to 2 s
  if result.sent then break end
  sleep(0.005)
end
c:resume()
local got = 0
while true do
  local m = c:receive(2)
  if not m then break end
  got = got + #m
end
t:eq(result.err, "backpressure", "send reports backpressure")
t:ok(result.sent and result.sent < chunks, "backpressure before 2 MiB was queued: " .. tostring(result.sent))
t:eq(got, result.sent * 16 * 1024, "the backpressured send was still queued")
t:eq(result.writable, true, "on_writable after draining")
srv:close()

-- at most 4096 pending timers per VM
local timers = {}
for i = 1, 4096 do timers[i] = timer.after(60, function() end) end
t:error(function() timer.after(60, function() end) end, "too many pending timers")
for _, tm in ipairs(timers) do tm:stop() end
t:ok(timer.after(0.001, function() end), "room again after stopping")

-- the pool's queue is bounded at 1024 waiting jobs
local ctx, cancel = context.with_cancel(context.background())
local accepted, refused
for i = 1, 2000 do
  local ok, err = pool.submit(ctx, function() sleep(5) end)
  if not ok then refused = err break end
  accepted = i
end
t:ok(refused and refused:find("queue full"), "queue full: " .. tostring(refused))
t:eq(accepted, pool.stats().workers + 1024, "workers busy + 1024 waiting")
cancel()

-- string.rep is bounded: one Go builtin must not allocate gigabytes
t:eq(string.rep("ab", 3), "ababab", "string.rep still repeats")
t:eq(("x"):rep(0), "", "string.rep of 0")
local ok, err = pcall(function() return ("x"):rep(1e10) end)
t:eq(ok, false, "string.rep past 256 MiB fails")
t:ok(err:find("limits_test.lua:%d+: string.rep: result too large"), "string.rep error: " .. tostring(err))
