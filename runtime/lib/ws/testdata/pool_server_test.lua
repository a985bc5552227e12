-- ws.listen{pool = true}: on_message runs on worker VMs, a conn's messages
-- in order and one at a time, and a blocked handler holds no other conn.
local function until_(cond, what)
  for _ = 1, 500 do if cond() then return end sleep(0.01) end
  t:fail("timed out waiting for " .. what)
end

local d = shared.dict("ws_pool_server_test")
local srv = assert(ws.listen("ws://127.0.0.1:0/", {pool = true,
  on_message = function(msg, kind, id)  -- on a worker VM: no upvalues
    local d = shared.dict("ws_pool_server_test")
    if d:incr("running:" .. id, 1) ~= 1 then d:set("overlap", msg) end
    if msg == "boom" then d:incr("running:" .. id, -1) error("handler fails on purpose") end
    if msg == "wait" then
      -- blocks this worker until conn B's reply came back (5 s at most)
      for _ = 1, 500 do if d:get("released") then break end sleep(0.01) end
      msg = d:get("released") and "released" or "timed out"
    else
      sleep(0.002)  -- long enough for a second message of the conn to overlap, were it allowed to
    end
    d:incr("running:" .. id, -1)
    return msg, kind
  end,
  on_result = function(c, msg, kind)
    if kind == "binary" then c:send_binary(msg) else c:send(msg) end
  end}))

local got_a, got_b = {}, {}
local a = ws.dial("ws://" .. srv.addr .. "/", {reconnect = false,
  on_message = function(w, msg) got_a[#got_a + 1] = msg end})
local b = ws.dial("ws://" .. srv.addr .. "/", {reconnect = false,
  on_message = function(w, msg, kind) got_b[#got_b + 1] = msg .. "/" .. kind end})
until_(function() return a.state == "connected" and b.state == "connected" end, "both conns")
a:send("wait")
for i = 2, 100 do a:send("a" .. i) end  -- more than 64 wait: the server stops reading A meanwhile
sleep(0.05)  -- not needed for correctness: gives A's handler time to block first
b:send("b1")
b:send_binary("b2")
until_(function() return #got_b == 2 end, "conn B's replies while A's handler blocks")
t:eq(#got_a, 0, "A's first message still blocks a worker")
t:eq(table.concat(got_b, ","), "b1/text,b2/binary", "B's messages in order, kinds kept")
d:set("released", true)
until_(function() return #got_a == 100 end, "conn A's replies")
local want = {"released"}
for i = 2, 100 do want[i] = "a" .. i end
t:eq(table.concat(got_a, ","), table.concat(want, ","), "A's messages one at a time, in order, after the blocked one")
t:eq(d:get("overlap"), nil, "no two messages of one conn ran at once")

-- an error on the worker closes that conn with 1011 and logs; others go on
local code
local c = ws.dial("ws://" .. srv.addr .. "/", {reconnect = false,
  on_close = function(w, cc) code = cc end})
c:send("boom")
until_(function() return code end, "the failing conn's close")
t:eq(code, 1011, "a failing pool handler closes its conn with 1011")
b:send("still here")
until_(function() return #got_b == 3 end, "B after the failure")
t:eq(got_b[3], "still here/text")

a:close() b:close()
srv:close()

-- on_close waits for the messages that came before the close
local order = {}
local srv2 = assert(ws.listen("ws://127.0.0.1:0/", {pool = true,
  on_message = function(msg) sleep(0.02) return msg end,
  on_result = function(c, msg) order[#order + 1] = msg end,
  on_close = function(c, code) order[#order + 1] = "close " .. code end}))
local e = ws.dial("ws://" .. srv2.addr .. "/", {reconnect = false})
until_(function() return e.state == "connected" end, "connected")
e:send("m1") e:send("m2") e:send("m3")
e:close(1000)
until_(function() return #order == 4 end, "three results and the close")
t:eq(table.concat(order, ","), "m1,m2,m3,close 1000", "on_close after the messages before it")
srv2:close()

-- what pool = true refuses
local captured = 1
t:error(function() ws.listen("ws://127.0.0.1:0/", {pool = true, on_message = function() return captured end}) end,
  "on_message uses upvalues (captured)", "a pool handler cannot capture upvalues")
t:error(function() ws.listen("ws://127.0.0.1:0/", {pool = true}) end,
  "option pool: needs an on_message function")
t:error(function() ws.listen("ws://127.0.0.1:0/", {pool = true, vm = "loop", handler = "x.lua", on_message = function() end}) end,
  "option pool: only with vm = \"script\"")
