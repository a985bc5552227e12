-- The loop-VM handler of ws_loop_test.lua: "slow" waits 50 ms before its
-- reply; every message and the close are logged, in the order the handler
-- saw them, to shared.dict("ws_order").
local function log(s)
  local d = shared.dict("ws_order")
  d:set("log", (d:get("log") or "") .. s .. ",")
end
return {
  on_message = function(c, msg)
    if msg == "slow" then sleep(0.05) end
    log(msg)
    c:send(msg)
  end,
  on_close = function(c, code) log("close " .. code) end,
}
