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

-- the script VM keeps the same order: one message at a time per conn
local log = {}
local srv2 = assert(ws.listen("ws://127.0.0.1:0/", {
  on_message = function(c, msg)
    if msg == "slow" then sleep(0.05) end
    log[#log + 1] = msg
    c:send(msg)
  end,
  on_close = function(c, code) log[#log + 1] = "close " .. code end,
}))
local got2 = {}
local w2 = ws.dial("ws://" .. srv2.addr .. "/", {reconnect = false,
  on_message = function(w, msg) got2[#got2 + 1] = msg end})
until_(function() return w2.state == "connected" end, "connected")
w2:send("slow")
w2:send("a")
until_(function() return #got2 == 2 end, "two echoes")
t:eq(table.concat(got2, ","), "slow,a", "script VM: replies in order although the first handler waited")
w2:send("slow")
w2:close(1000, "done")
until_(function() return log[#log] and log[#log]:find("close") end, "on_close")
t:eq(table.concat(log, ","), "slow,a,slow,close 1000", "script VM: on_close after the message before the close")
srv2:close()
