-- issue 18's limits on the conn path: RESP protocol errors answered as
-- Redis does, frame_timeout, max_conns_per_ip, option ranges

-- a RESP protocol error gets "-ERR Protocol error: …" before the close,
-- with and without coalesce_writes, and on_close still names the error
for _, coalesce in ipairs({false, true}) do
  local closed
  local srv = assert(net.listen("tcp://127.0.0.1:0", {
    codec = codec.resp{commands_only = true}, coalesce_writes = coalesce,
    on_message = function(c, cmd) c:send({ok = "PONG"}) end,
    on_close = function(c, err) closed = err end,
  }))
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  c:write("*1\r\n$4\r\nPING\r\n*-5x\r\n")
  t:eq(c:receive(2), "+PONG", "the command before the bad one is answered")
  t:eq(c:receive(2), "-ERR Protocol error: invalid multibulk length", "Redis's reply to bad input (coalesce " .. tostring(coalesce) .. ")")
  local m, err = c:receive(2)
  t:eq(m, nil, "then the conn closes: " .. tostring(err))
  local deadline = t:now() + 2
  while not closed and t:now() < deadline do sleep(0.01) end
  t:ok(closed and closed:find("Protocol error"), "on_close got the protocol error: " .. tostring(closed))
  srv:close()
end

-- frame_timeout: a started frame must finish in time; complete frames,
-- however slow between them, are not affected
do
  local closed
  local srv = assert(net.listen("tcp://127.0.0.1:0", {
    codec = codec.line(), frame_timeout = 0.2,
    on_message = function(c, m) c:send(m) end,
    on_close = function(c, err) closed = err end,
  }))
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  c:send("one")
  t:eq(c:receive(2), "one", "a whole frame")
  sleep(0.3) -- idle between frames is not a started frame
  c:send("two")
  t:eq(c:receive(2), "two", "after a pause between frames")
  c:write("half a line")
  local m, err = c:receive(3)
  t:eq(m, nil, "a frame left half-sent closes the conn: " .. tostring(err))
  local deadline = t:now() + 2
  while not closed and t:now() < deadline do sleep(0.01) end
  t:ok(closed and closed:find("frame_timeout", 1, true), "on_close names frame_timeout: " .. tostring(closed))
  srv:close()
end

-- max_conns_per_ip (opt-in): one host cannot take every slot
do
  local opened = 0
  local srv = assert(net.listen("tcp://127.0.0.1:0", {
    codec = codec.line(), max_conns_per_ip = 2,
    on_open = function(c) opened = opened + 1 end,
    on_message = function(c, m) c:send(m) end,
  }))
  local a = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  local b = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  a:send("a") t:eq(a:receive(2), "a", "first conn")
  b:send("b") t:eq(b:receive(2), "b", "second conn")
  local c3 = net.connect("tcp://" .. srv.addr, {codec = codec.line()})
  if c3 then
    c3:send("c")
    local m, err = c3:receive(2)
    t:eq(m, nil, "the third conn from one IP is closed: " .. tostring(err))
  end
  t:eq(opened, 2, "on_open ran for two conns")
  srv:close()
end

-- option values are range-checked, the error names function, option and range
t:error(function() net.listen("tcp://127.0.0.1:0", {loops = -5}) end, "net.listen: option loops = -5 is out of range (0 to 1024)")
t:error(function() net.listen("tcp://127.0.0.1:0", {loops = 1e9}) end, "net.listen: option loops = 1000000000 is out of range (0 to 1024)")
t:error(function() net.listen("tcp://127.0.0.1:0", {idle_timeout = -1}) end, "net.listen: option idle_timeout = -1 is out of range (0 to 31536000)")
t:error(function() net.listen("tcp://127.0.0.1:0", {frame_timeout = 1e300}) end, "option frame_timeout = 1e+300 is out of range")
t:error(function() net.listen("tcp://127.0.0.1:0", {max_outbound = 1e12}) end, "net.listen: option max_outbound = 1000000000000 is out of range (0 to 1073741824)")
t:error(function() net.connect("tcp://127.0.0.1:1", {timeout = -2}) end, "net.connect: option timeout = -2 is out of range")
t:error(function() timer.every(0, function() end) end, "timer.every: period = 0 is out of range (0.001 to 31536000)")
t:error(function() timer.after(-1, function() end) end, "timer.after: delay = -1 is out of range")
t:error(function() codec.fixed(1e12) end, "codec.fixed: size = 1000000000000 is out of range (1 to 1073741824)")
t:error(function() codec.fixed(0) end, "codec.fixed: size = 0 is out of range")
t:error(function() codec.line{max_length = 1e15} end, "codec.line: option max_length = 1e+15 is out of range (0 to 1073741824)")
t:error(function() codec.resp{max_bulk_length = 0} end, "codec.resp: option max_bulk_length = 0 is out of range (1 to 1073741824)")
t:error(function() codec.custom{decode = function() end, max_buffer = -1} end, "codec.custom: option max_buffer = -1 is out of range")

-- codec.resp's bulk limit defaults to 64 MiB (Redis: 512 MiB)
do
  local closed
  local srv = assert(net.listen("tcp://127.0.0.1:0", {
    codec = codec.resp(), on_message = function(c, m) c:send(m) end,
    on_close = function(c, err) closed = err end,
  }))
  local c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))
  c:write("*1\r\n$67108865\r\n")
  t:eq(c:receive(2), "-ERR Protocol error: invalid bulk length: 67108865 > max_bulk_length 67108864", "64 MiB + 1 refused")
  srv:close()
end

-- codec.custom's max_buffer closes a conn whose bytes decode never cuts
do
  local closed
  local srv = assert(net.listen("tcp://127.0.0.1:0", {
    codec = codec.custom{max_buffer = 1000, decode = function(buf) return nil end},
    on_message = function(c, m) end,
    on_close = function(c, err) closed = err end,
  }))
  local c = assert(net.connect("tcp://" .. srv.addr))
  c:write(string.rep("x", 600))
  c:write(string.rep("x", 600))
  local deadline = t:now() + 3
  while not closed and t:now() < deadline do sleep(0.01) end
  t:ok(closed and closed:find("max_buffer = 1000", 1, true), "on_close names max_buffer: " .. tostring(closed))
  srv:close()
end
