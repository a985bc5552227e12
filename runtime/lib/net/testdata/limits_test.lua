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
