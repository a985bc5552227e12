-- The loop-VM handler of lab 8. This file runs once per loop VM: each
-- loop has its own copy of every local below.
local counts = {}  -- TODO: each loop VM has its own table; counts must be shared
local vm_id = 0    -- TODO: give each loop VM a number of its own

return {
  on_message = function(c, line)
    local cmd, key = line:match("^(%a+) ?(%S*)$")
    if cmd == "hit" and key ~= "" then
      counts[key] = (counts[key] or 0) + 1
      c:send(key .. " " .. counts[key])
    elseif cmd == "get" and key ~= "" then
      c:send(key .. " " .. (counts[key] or 0))
    elseif cmd == "vm" then
      c:send("vm " .. vm_id)
    else
      c:send("error: expected hit KEY, get KEY or vm")
    end
  end,
}
