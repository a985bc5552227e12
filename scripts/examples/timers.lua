-- timers.lua: one-shot and periodic timers, and sleep.
-- A periodic timer never queues a backlog: a tick that comes while the
-- previous one still runs is skipped.
local t0 = os.time()
local ticks = 0
local every
every = timer.every(0.1, function()
  ticks = ticks + 1
  print("tick", ticks)
  if ticks == 3 then every:stop() end
end)
timer.after(0.05, function() print("one-shot after 50 ms") end)
local never = timer.after(1, function() print("never printed") end)
never:stop()
sleep(0.5)
print("slept; ticks = " .. ticks)
