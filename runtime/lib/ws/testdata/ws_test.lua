-- ws on the script VM: echo, close codes both ways, failure codes, queue.
local function until_(cond, what)
  for _ = 1, 300 do if cond() then return end sleep(0.01) end
  t:fail("timed out waiting for " .. what)
end

-- echo of text and binary, on_close with the client's code
local closes = {}
local srv = assert(ws.listen("ws://127.0.0.1:0/", {
  subprotocols = {"v2", "v1"},
  on_open = function(c, req) c.data.ua = req.headers["host"] end,
  on_message = function(c, msg, kind)
    if msg == "bye" then c:close(4001, "server says bye") return end
    if kind == "binary" then c:send_binary(msg) else c:send(msg) end
  end,
  on_close = function(c, code, reason) closes[#closes + 1] = code .. " " .. reason end,
}))
local got, closed = {}, nil
local w = ws.dial("ws://" .. srv.addr .. "/x", {subprotocols = {"v1", "v2"}, reconnect = false,
  on_open = function(w, proto) got[#got + 1] = "open " .. proto end,
  on_message = function(w, msg, kind) got[#got + 1] = kind .. " " .. #msg end,
  on_close = function(w, code, reason) closed = code .. " " .. reason end})
w:send("")
w:send(string.rep("a", 126))
w:send_binary(string.rep("\0", 65536))
until_(function() return #got == 4 end, "three echoes")
t:eq(table.concat(got, ","), "open v2,text 0,text 126,binary 65536", "echoes in order, server's subprotocol")
w:send("bye")
until_(function() return closed end, "the server's close")
t:eq(closed, "4001 server says bye", "the client sees the server's code")
until_(function() return w.state == "closed" end, "reconnect = false ends in closed")
until_(function() return #closes == 1 end, "on_close on the server")
t:eq(closes[1], "4001 ", "the server's on_close has the code echoed back")

-- a text that is not UTF-8 is refused before it reaches the wire
local w2 = ws.dial("ws://" .. srv.addr .. "/")
until_(function() return w2.state == "connected" end, "connected")
local ok, err = w2:send("\255")
t:eq(ok, nil, "invalid UTF-8 refused")
t:ok(err and err:find("not valid UTF-8", 1, true), "error names UTF-8")
w2:close(1000, "done")
until_(function() return #closes == 2 end, "second close")
t:eq(closes[2], "1000 done", "the client's code and reason reach on_close")

-- the queue: full answers false, "queue_full"; close drops it
local w3 = ws.dial("ws://127.0.0.1:1/", {queue = 2, reconnect = {min = 10}})
t:eq(w3:send("a"), true)
t:eq(w3:send("b"), true)
local ok3, err3 = w3:send("c")
t:eq(ok3, false, "third send refused")
t:eq(err3, "queue_full")
local st = w3:stats()
t:eq(st.queued, 2)
t:eq(st.queue_full, 1)
w3:close()
t:eq(w3.state, "closed")
t:error(function() return w3.nosuch end, "ws client has no field or method 'nosuch'", "strict fields")
srv:close()

-- pool = true: on_message runs on a worker VM, results come back to on_result
local srv2 = assert(ws.listen("ws://127.0.0.1:0/", {on_message = function(c, msg) c:send(msg) end}))
local results = {}
local wp = ws.dial("ws://" .. srv2.addr .. "/", {pool = true,
  on_message = function(msg, kind) return msg:upper(), kind end,   -- on a worker: no upvalues
  on_result = function(w, up, kind) results[#results + 1] = up .. "/" .. kind end})
for i = 1, 5 do wp:send("m" .. i) end
until_(function() return #results == 5 end, "five pool results")
table.sort(results)  -- workers may finish in any order
t:eq(table.concat(results, ","), "M1/text,M2/text,M3/text,M4/text,M5/text", "every message handled once on the pool")
wp:close()
local captured = 1
t:error(function() ws.dial("ws://127.0.0.1:1/", {pool = true, on_message = function() return captured end}) end,
  "on_message uses upvalues (captured)", "pool handlers cannot capture upvalues")
srv2:close()

-- ws.upgrade's options are strict, as ws.listen's
t:error(function() return ws.upgrade(nil, {on_mesage = function() end}) end,
  "ws.upgrade: unknown option 'on_mesage' (did you mean 'on_message'?)", "ws.upgrade names a misspelt option")
