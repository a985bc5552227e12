-- echo over real sockets, script VM, line codec
local opened, closed = 0, {}
local srv = assert(net.listen("tcp://127.0.0.1:0", {
  codec = codec.line{max_length = 16},
  on_open = function(c) opened = opened + 1; c.data.n = 0 end,
  on_message = function(c, msg)
    c.data.n = c.data.n + 1
    if msg == "boom" then error("handler failed") end
    if msg == "slow" then sleep(0.01) end
    c:send(msg:upper() .. " " .. c.data.n)
  end,
  on_close = function(c, err) closed[#closed + 1] = err or "clean" end,
}))
t:ok(srv.addr:find("^127%.0%.0%.1:%d+$"), "addr " .. srv.addr)

local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
c:send("slow")
c:send("fast")
t:eq(c:receive(2), "SLOW 1", "messages of one conn handled in order")
t:eq(c:receive(2), "FAST 2", "second message after the suspended first")
c:write("a\nslow\nb\n") -- one read, three messages: the handler suspends on the second
t:eq(c:receive(2), "A 3", "batch: first")
t:eq(c:receive(2), "SLOW 4", "batch: the suspended second")
t:eq(c:receive(2), "B 5", "batch: the third waits for the second")
t:eq(select(2, c:receive(0.01)), "timeout", "receive timeout")
t:ok(c.remote:find("127.0.0.1"), "c.remote")
t:ok(type(c.id) == "number", "c.id")

-- an oversize frame closes only that conn
local c2 = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
c2:write(string.rep("x", 40) .. "\n")
local m, err = c2:receive(2)
t:eq(m, nil, "oversize: no message")
sleep(0.02)
t:ok(closed[#closed] and closed[#closed]:find("too_long_frame"), "on_close got too_long_frame: " .. tostring(closed[#closed]))

-- a handler error closes only its conn
local c3 = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
c3:send("boom")
local m3, err3 = c3:receive(2)
t:eq(m3, nil, "failing handler: conn closed")
sleep(0.02)
t:ok(closed[#closed]:find("net_test.lua:%d+: handler failed"), "on_close err has file:line: " .. closed[#closed])
c:send("still")
t:eq(c:receive(2), "STILL 6", "other conn still served")

-- conn ctx is cancelled on close
local ctx = c.ctx
t:eq(ctx:err(), nil, "conn ctx live")
c:close()
t:eq(ctx:wait(), "context canceled", "conn ctx cancelled on close")
t:eq(srv:stats().accepted, 3, "server stats")
srv:close()

-- RESP values
local rs = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp(), on_message = function(c, cmd)
  if cmd[1] == "PING" then c:send({ok = "PONG"})
  elseif cmd[1] == "GET" then c:send(nil)
  elseif cmd[1] == "INCR" then c:send(42)
  else c:send({err = "ERR unknown command '" .. tostring(cmd[1]) .. "'"}) end
end}))
local rc = assert(net.connect("tcp://" .. rs.addr, {codec = codec.resp()}))
rc:send({"PING"})
t:eq(rc:receive(2), "PONG", "simple string")
rc:send({"INCR", "k"})
t:eq(rc:receive(2), 42, "integer")
rc:send({"NOPE"})
t:eq(rc:receive(2).err, "ERR unknown command 'NOPE'", "error reply")
rc:write("GET k\r\n")
local v, e = rc:receive(2)
t:eq(v, nil, "null bulk")
t:eq(e, nil, "null is not an error")
rc:close()
rs:close()

-- codec.custom: 1-byte length prefix, decoded on the script VM
local cs = assert(net.listen("tcp://127.0.0.1:0", {
  codec = codec.custom{
    decode = function(buf)
      if buf:len() < 1 then return nil end
      local n = buf:peek(1):byte()
      if buf:len() < 1 + n then return nil end
      buf:take(1)
      return buf:take(n)
    end,
    encode = function(msg) return string.char(#msg) .. msg end},
  on_message = function(c, msg) c:send(msg .. "!") end}))
local cc = assert(net.connect("tcp://" .. cs.addr))
cc:write("\3abc\2d")
cc:write("e")
local got = ""
while #got < 9 do got = got .. assert(cc:receive(2)) end
t:eq(got, "\4abc!\3de!", "custom codec framing both ways")
cc:close()
cs:close()

-- UDP: one datagram, one message; c:send answers the sender
local us = assert(net.listen("udp://127.0.0.1:0", {on_message = function(c, msg) c:send("udp " .. msg) end}))
local uc = assert(net.connect("udp://" .. us.addr))
uc:send("ping")
t:eq(uc:receive(2), "udp ping", "udp round trip")
uc:send("again")
t:eq(uc:receive(2), "udp again", "second datagram")
uc:close()
us:close()

-- set_codec mid-stream: line, then fixed(2)
local sw = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m)
  if m == "SWITCH" then c:set_codec(codec.fixed(2)); c:write("ok\n") else c:write("[" .. m .. "]") end
end}))
local sc = assert(net.connect("tcp://" .. sw.addr))
sc:write("a\nSWITCH\n")
local acc = ""
while #acc < 6 do acc = acc .. assert(sc:receive(2)) end
t:eq(acc, "[a]ok\n", "before the switch")
sc:write("wxyz")
acc = ""
while #acc < 8 do acc = acc .. assert(sc:receive(2)) end
t:eq(acc, "[wx][yz]", "after the switch: fixed(2) frames")
sc:close()
sw:close()

-- idle_timeout closes a quiet conn with "idle_timeout"
local idle_err
local is = assert(net.listen("tcp://127.0.0.1:0", {idle_timeout = 0.05,
  on_message = function(c, m) c:send(m) end,
  on_close = function(c, err) idle_err = err end}))
local ic = assert(net.connect("tcp://" .. is.addr))
local t_idle = t:now()
sleep(0.03)
ic:send("keep")          -- activity re-arms the timer
t:eq(ic:receive(1), "keep", "echo before idle")
local m_idle, e_idle = ic:receive(1)
t:eq(m_idle, nil, "idle conn closed")
t:ok(t:now() - t_idle >= 0.07, "not closed before the quiet period")
sleep(0.01)
t:eq(idle_err, "idle_timeout", "on_close reason")
is:close()

-- suspending calls return exactly their values, whether they waited or not
do
  local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
    on_message = function(c, m) c:send(m) end}))
  t:eq(select("#", net.connect("tcp://" .. srv.addr, {codec = codec.line()})), 1, "net.connect: one value")
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  c:send("waited")
  t:eq(select("#", c:receive(2)), 1, "c:receive that waited: one value")
  c:send("a"); c:send("b")
  local a = c:receive(2)
  local b, berr, extra = c:receive(2)
  t:eq(a .. b, "ab", "two messages")
  t:eq(berr, nil, "no stale err register")
  t:eq(extra, nil, "no stale extra register")
  local m, err, x = c:receive(0.01)
  t:eq(m, nil, "timeout: no message")
  t:eq(err, "timeout", "timeout: err")
  t:eq(x, nil, "timeout: no third value")
  local s1, s2 = sleep(0)
  t:eq(s1, nil, "sleep returns nothing")
  t:eq(s2, nil, "sleep returns nothing (2)")
  t:eq(select("#", sleep(0)), 0, "sleep: no values")
  c:close()
  srv:close()
end

-- a misspelt field or method names itself
do
  local srv = assert(net.listen("tcp://127.0.0.1:0", {}))
  local c = assert(net.connect("tcp://" .. srv.addr))
  local tm = timer.after(60, function() end)
  for _, case in ipairs({
    {function() c:recieve() end, "conn has no field or method 'recieve'"},
    {function() return c.nope end, "conn has no field or method 'nope'"},
    {function() srv:clsoe() end, "server has no field or method 'clsoe'"},
    {function() tm:stpo() end, "timer has no field or method 'stpo'"},
    {function() c.ctx:wiat() end, "context has no field or method 'wiat'"},
    {function() shared.dict("typos"):gett("k") end, "shared.dict has no field or method 'gett'"},
  }) do
    local ok, err = pcall(case[1])
    t:eq(ok, false, case[2])
    t:ok(err:find(case[2], 1, true) and err:find("net_test.lua:%d+:"), "error names the member and the line: " .. tostring(err))
  end
  tm:stop()
  c:close()
  srv:close()
end

-- replies leave in the order the VM sent them, whether a loop ran the
-- handler inline (direct write) or the VM goroutine did (AsyncWrite)
do
  local seq = 0
  local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
    on_message = function(c)
      seq = seq + 1
      c:send(seq)                     -- from the handler: inline when the VM is free
      timer.after(0, function()       -- from the VM goroutine: AsyncWrite
        seq = seq + 1
        c:send(seq)
      end)
    end}))
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  local n = 300
  for i = 1, n do c:send("x") end
  local want, bad = 1, nil
  for i = 1, 2 * n do
    local m = c:receive(5)
    if tonumber(m) ~= want then bad = bad or (tostring(m) .. " where " .. want .. " was due"); want = tonumber(m) or want end
    want = want + 1
  end
  t:eq(bad, nil, "replies in send order")
  c:close()
  srv:close()
end

-- a conn that keeps looking up its methods gets a metatable of its own
-- (found by table lookups, without a Go call); it behaves as before
do
  local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
    on_message = function(c, m)
      c.data.n = (c.data.n or 0) + 1
      if m == "info" then
        local ok, err = pcall(function() return c.nosuch end)
        local own = getmetatable(c).__index == getmetatable(c)
        c:send(table.concat({type(c.id), c.remote, c.codec, c.data.n, tostring(ok),
          err:match("conn has no field or method 'nosuch'") or err, tostring(own)}, " "))
      elseif m == "swap" then
        c:send("ok")
        c:set_codec(codec.fixed(2))
      else
        c:send(m)
      end
    end}))
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  t:eq(getmetatable(c).__index == getmetatable(c), false, "a new conn uses the shared metatable")
  local id, remote, ctx, data = c.id, c.remote, c.ctx, c.data
  t:eq(c.ctx, ctx, "c.ctx is one value")
  for i = 1, 5 do c:send("x" .. i); t:eq(c:receive(1), "x" .. i, "echo " .. i) end
  t:eq(getmetatable(c).__index == getmetatable(c), true, "promoted after a few lookups")
  t:eq(c.id, id, "c.id after promotion")
  t:eq(c.remote, remote, "c.remote after promotion")
  t:eq(c.ctx, ctx, "c.ctx after promotion")
  t:eq(c.data, data, "c.data after promotion")
  t:ok(tostring(c):find("^conn %d+ tcp 127%.0%.0%.1:%d+ %-> 127%.0%.0%.1:%d+ %(open%)$"), "tostring after promotion: " .. tostring(c))
  local ok, err = pcall(function() c:recieve() end)
  t:ok(not ok and err:find("conn has no field or method 'recieve'", 1, true), "typo after promotion: " .. tostring(err))
  ok, err = pcall(function() return c[1] end)
  t:ok(not ok and err:find("conn has no field or method '1'", 1, true), "c[1] after promotion: " .. tostring(err))
  c:send("info")
  t:eq(c:receive(1), "number " .. c['local'] .. " line 6 false conn has no field or method 'nosuch' true", "server side")
  c:send("swap")
  t:eq(c:receive(1), "ok", "swap")
  c:set_codec(codec.fixed(2))
  t:eq(c.codec, "fixed", "c.codec follows set_codec after promotion")
  c:close()
  t:eq(ctx:wait(), "context canceled", "the kept ctx is the conn's")
  srv:close()
end

-- coalesce_writes: replies wait for the end of the loop round, in order,
-- also those sent after a suspension and right before a close
local cw = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), coalesce_writes = true,
  on_message = function(c, m)
    if m == "nap" then sleep(0.01) end
    c:send("re " .. m)
    if m == "bye" then c:close() end
  end}))
local cc = assert(net.connect("tcp://" .. cw.addr, {codec = codec.line(), coalesce_writes = true}))
cc:write("1\n2\nnap\n3\n")
for _, want in ipairs({"re 1", "re 2", "re nap", "re 3"}) do
  t:eq(cc:receive(2), want, "coalesced reply " .. want)
end
cc:send("bye")
t:eq(cc:receive(2), "re bye", "coalesced reply before close")
t:eq(select(2, cc:receive(2)), "closed", "then the close")
cw:close()
