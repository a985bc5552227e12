-- Lab 8, a typical wrong solution's handler: to spare shared.dict's lock,
-- each loop VM counts in a table of its own and adds it to the shared
-- counts when a conn closes. Totals come out right once every conn has
-- closed (stage 1), but while conns are open two loops hand out the same
-- numbers, each unaware of the other's pending hits (stage 3).
local counts = shared.dict("lab8_counts")
local pending = {}   -- this loop's hits not yet added to counts
local vm_id = shared.dict("lab8_vms"):incr("n", 1)

local function count(key) return (counts:get(key) or 0) + (pending[key] or 0) end

return {
  on_message = function(c, line)
    local cmd, key = line:match("^(%a+) ?(%S*)$")
    if cmd == "hit" and key ~= "" then
      pending[key] = (pending[key] or 0) + 1
      c:send(key .. " " .. count(key))
    elseif cmd == "get" and key ~= "" then
      c:send(key .. " " .. count(key))
    elseif cmd == "vm" then
      c:send("vm " .. vm_id)
    else
      c:send("error: expected hit KEY, get KEY or vm")
    end
  end,
  on_close = function(c)
    for key, n in pairs(pending) do counts:incr(key, n) end
    pending = {}
  end,
}
