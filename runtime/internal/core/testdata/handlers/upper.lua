-- a loop-VM handler module: loaded once per event loop
local served = 0
return {
  codec = codec.line(),
  on_open = function(c) c.data.loop_served = 0 end,
  on_message = function(c, msg)
    served = served + 1
    if msg == "spin" then while true do end end
    if msg == "nap" then sleep(0.01) end
    shared.dict("loop_test"):incr("messages", 1)
    c:send(msg:upper() .. " " .. served)
  end,
}
