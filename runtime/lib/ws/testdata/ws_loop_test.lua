-- ws on loop VMs: one message at a time per conn, in order, even when a
-- handler waits; on_close runs after the messages before the close.
local function until_(cond, what)
  for _ = 1, 300 do if cond() then return end sleep(0.01) end
  t:fail("timed out waiting for " .. what)
end

local srv = assert(ws.listen("ws://127.0.0.1:0/", {vm = "loop", handler = "order_handler.lua"}))
local got = {}
local w = ws.dial("ws://" .. srv.addr .. "/", {reconnect = false,
  on_message = function(w, msg) got[#got + 1] = msg end})
until_(function() return w.state == "connected" end, "connected")
w:send("slow")
w:send("a")
w:send("b")
until_(function() return #got == 3 end, "three echoes")
t:eq(table.concat(got, ","), "slow,a,b", "replies in order although the first handler waited")
w:send("slow")
w:close(1000, "done")
until_(function() return (shared.dict("ws_order"):get("log") or ""):find("close") end, "on_close")
t:eq(shared.dict("ws_order"):get("log"), "slow,a,b,slow,close 1000,", "on_close after the message sent before the close")
srv:close()
