-- Lab 8, reference solution's handler: counts live in a shared.dict, which
-- every VM of the process sees; d:incr adds atomically and returns the new
-- value, so no two hits get the same number.
local counts = shared.dict("lab8_counts")
local vm_id = shared.dict("lab8_vms"):incr("n", 1)  -- runs once per loop VM

return {
  on_message = function(c, line)
    local cmd, key = line:match("^(%a+) ?(%S*)$")
    if cmd == "hit" and key ~= "" then
      c:send(key .. " " .. counts:incr(key, 1))
    elseif cmd == "get" and key ~= "" then
      c:send(key .. " " .. (counts:get(key) or 0))
    elseif cmd == "vm" then
      c:send("vm " .. vm_id)
    else
      c:send("error: expected hit KEY, get KEY or vm")
    end
  end,
}
