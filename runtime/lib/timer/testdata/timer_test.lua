-- timers and sleep on the script VM
local order = {}
timer.after(0.02, function() order[#order + 1] = "b" end)
timer.after(0.01, function() order[#order + 1] = "a" end)
local stopped = timer.after(0.01, function() order[#order + 1] = "never" end)
t:eq(stopped:stop(), true, "stop a pending timer")
t:eq(stopped:stop(), false, "stop twice")
sleep(0.04)
t:eq(table.concat(order, ","), "a,b", "timers fire in deadline order")

-- every: no backlog while a tick is still running
local ticks, running, overlap = 0, false, false
local ev
ev = timer.every(0.005, function()
  if running then overlap = true end
  running = true
  ticks = ticks + 1
  sleep(0.012)
  running = false
  if ticks >= 3 then ev:stop() end
end)
sleep(0.1)
t:eq(overlap, false, "every never overlaps itself")
t:eq(ticks, 3, "every stopped after 3 ticks")

-- an error in an every timer stops that timer
local fails = 0
timer.every(0.002, function() fails = fails + 1; error("tick failed") end)
sleep(0.03)
t:eq(fails, 1, "a failing periodic timer stops")

t:error(function() timer.after(-1, print) end, "timer.after: delay = -1 is out of range (0 to 31536000)")
t:error(function() timer.after(1) end, "function expected")
