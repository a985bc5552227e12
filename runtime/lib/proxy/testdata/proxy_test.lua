-- Lua tests of net.proxy; run by lua_test.go with a `t` table.

local function echo_server()
  return net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m) c:send(m) end})
end

local function round_trip(c)
  local t0 = timer.now()
  c:send('x')
  assert(c:receive(3) == 'x')
  return timer.now() - t0
end

-- on_open gives one conn its own faults; the others keep the proxy-wide ones
do
  local srv = echo_server()
  local n = 0
  local p = assert(net.proxy('tcp://127.0.0.1:0', srv.url, {
    on_open = function(pc)
      n = n + 1
      t:ok(pc.id and pc.client, 'pc has id and client')
      if n == 2 then return {latency = 0.05} end
    end,
  }))
  local a = assert(net.connect(p.url, {codec = codec.line()}))
  while n < 1 do sleep(0.001) end -- on_open runs for a before b connects
  local b = assert(net.connect(p.url, {codec = codec.line()}))
  local fast = math.min(round_trip(a), round_trip(a), round_trip(a))
  t:ok(fast < 0.05, 'first conn is fast, got ' .. fast)
  local d = round_trip(b)
  t:ok(d >= 0.1 and d < 0.5, 'second conn: 50 ms each way, got ' .. d)
  local own = 0
  for _, pc in ipairs(p:conns()) do if pc.own then own = own + 1 end end
  t:eq(own, 1, 'one conn has faults of its own')
  a:close(); b:close(); p:close(); srv:close()
end

-- on_close gets the reason; limit_data closes after exactly N bytes
do
  local srv = net.listen('tcp://127.0.0.1:0', {on_open = function(c) c:write(string.rep('z', 5000)) end})
  local reason
  local p = assert(net.proxy('tcp://127.0.0.1:0', srv.url, {limit_data = 1234, stream = 'downstream',
    on_close = function(pc, err) reason = err end}))
  local c = assert(net.connect(p.url))
  local got = ''
  while true do
    local m = c:receive(2)
    if not m then break end
    got = got .. m
  end
  t:eq(#got, 1234, 'bytes before the close')
  local deadline = timer.now() + 2
  while not reason and timer.now() < deadline do sleep(0.01) end
  t:eq(reason, 'proxy: limit_data fault', 'on_close reason')
  t:eq(p:stats().faults.limited, 1, 'stats.faults.limited')
  p:close(); srv:close()
end

-- the slicer gives a line-codec server one-byte reads; it still frames lines
do
  local lines = {}
  local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(),
    on_message = function(c, m) lines[#lines + 1] = m; c:send('ok') end})
  local p = assert(net.proxy('tcp://127.0.0.1:0', srv.url, {stream = 'upstream',
    slicer = {average_size = 1, size_variation = 0, delay = 0.002}}))
  local c = assert(net.connect(p.url, {codec = codec.line()}))
  c:write('SET a 1\nGET a\n')
  t:eq(c:receive(3), 'ok'); t:eq(c:receive(3), 'ok')
  t:eq(table.concat(lines, '|'), 'SET a 1|GET a', 'lines framed')
  t:eq(p:stats().faults.sliced, 14, 'one slice per byte')
  c:close(); p:close(); srv:close()
end

-- down refuses new conns and cuts open ones; clearing it listens again
do
  local srv = echo_server()
  local p = assert(net.proxy('tcp://127.0.0.1:0', srv.url))
  local c = assert(net.connect(p.url, {codec = codec.line()}))
  round_trip(c)
  p:set{down = true}
  local msg, err = c:receive(2)
  t:ok(msg == nil and err ~= 'timeout', 'open conn cut: ' .. tostring(err))
  local refused
  for _ = 1, 200 do
    local c2, e = net.connect(p.url, {timeout = 1})
    if not c2 then refused = e; break end
    c2:close(); sleep(0.01)
  end
  t:ok(refused and refused:find('refused', 1, true), 'new conn refused: ' .. tostring(refused))
  p:set{down = false}
  local c3
  for _ = 1, 200 do
    c3 = net.connect(p.url, {codec = codec.line(), timeout = 1})
    if c3 then break end
    sleep(0.01)
  end
  t:ok(c3, 'listening again')
  round_trip(c3)
  c3:close(); p:close(); srv:close()
end

-- reset_peer: the client's read fails with a reset
do
  local srv = echo_server()
  local p = assert(net.proxy('tcp://127.0.0.1:0', srv.url, {reset_peer = 0.05}))
  local c = assert(net.connect(p.url, {codec = codec.line()}))
  c:send('x')
  local msg, err = c:receive(2)
  t:ok(msg == nil and err:find('reset', 1, true), 'reset seen: ' .. tostring(err))
  p:close(); srv:close()
end

-- udp: seeded loss; the lost count is what the client misses
do
  local usrv = net.listen('udp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})
  local p = assert(net.proxy('udp://127.0.0.1:0', usrv.url, {loss = 0.5, stream = 'upstream', seed = 3}))
  local got = 0
  local c = net.dial(p.url, {on_message = function() got = got + 1 end})
  sleep(0.05)
  for i = 1, 100 do c:send(tostring(i)); sleep(0.001) end
  local deadline = timer.now() + 3
  while got + p:stats().faults.lost < 100 and timer.now() < deadline do sleep(0.01) end
  local lost = p:stats().faults.lost
  t:ok(lost > 25 and lost < 75, 'loss 0.5 lost ' .. lost .. ' of 100')
  t:eq(got + lost, 100, 'every datagram either lost or echoed')
  c:close(); p:close(); usrv:close()
end

-- bad faults raise, naming the fault
do
  t:error(function() net.proxy('tcp://127.0.0.1:0', 'tcp://127.0.0.1:9', {latncy = 1}) end, "net.proxy: unknown option 'latncy' (did you mean 'latency'?)")
  t:error(function() net.proxy('tcp://127.0.0.1:0', 'tcp://127.0.0.1:9', {loss = 0.1}) end, 'TCP turns loss into delay')
  t:error(function() net.proxy('tcp://127.0.0.1:0', 'tcp://127.0.0.1:9', {slicer = {average_size = 0}}) end, 'slicer.average_size')
  local p = assert(net.proxy('tcp://127.0.0.1:0', 'tcp://127.0.0.1:9'))
  t:error(function() p:set{jitter = 'x'} end, "p:set: option 'jitter' must be a number or false, got string")
  t:error(function() p:nope() end, "proxy has no field or method 'nope'")
  local ok, err = net.proxy('tcp://127.0.0.1:' .. p.addr:match(':(%d+)$'), 'tcp://127.0.0.1:9')
  t:ok(ok == nil and err:find('address already in use', 1, true), 'listen error returned: ' .. tostring(err))
  p:close()
end
