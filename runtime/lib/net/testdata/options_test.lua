-- strict options: typos and wrong types are errors that name the function,
-- the key and the closest valid key
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  t:ok(not ok, "raised")
  return e
end
local e = err_of(net.listen, "tcp://127.0.0.1:0", {on_mesage = function() end})
t:ok(e:find("net.listen: unknown option 'on_mesage' (did you mean 'on_message'?)", 1, true), e)
t:ok(e:find("^[^:]*options_test.lua:%d+:"), "names the caller's line: " .. e)
e = err_of(net.listen, "tcp://127.0.0.1:0", {on_message = "x"})
t:ok(e:find("net.listen: option 'on_message' must be a function, got string", 1, true), e)
e = err_of(net.listen, "tcp://127.0.0.1:0", {loops = 1.5})
t:ok(e:find("net.listen: option 'loops' must be an integer, got number 1.5", 1, true), e)
e = err_of(net.dial, "tcp://127.0.0.1:1", {timout = 1})
t:ok(e:find("net.dial: unknown option 'timout' (did you mean 'timeout'?)", 1, true), e)
e = err_of(net.connect, "tcp://127.0.0.1:1", {codex = codec.line()})
t:ok(e:find("net.connect: unknown option 'codex' (did you mean 'codec'?)", 1, true), e)
e = err_of(net.connect, "tcp://127.0.0.1:1", {codec = "line"})
t:ok(e:find("net.connect: option 'codec' must be a codec, got string", 1, true), e)
e = err_of(net.listen, "tcp://127.0.0.1:0", {zzzzzz = 1})
t:ok(e:find("unknown option 'zzzzzz'$"), "no suggestion when nothing is close: " .. e)
e = err_of(codec.length_field, {length_field_lenght = 2})
t:ok(e:find("codec.length_field: unknown option 'length_field_lenght' (did you mean 'length_field_length'?)", 1, true), e)
e = err_of(codec.line, {max_lenght = 2})
t:ok(e:find("codec.line: unknown option 'max_lenght' (did you mean 'max_length'?)", 1, true), e)
e = err_of(codec.resp, {commands_only = "yes"})
t:ok(e:find("codec.resp: option 'commands_only' must be a boolean, got string", 1, true), e)
e = err_of(codec.custom, {decode = function() end, encdoe = function() end})
t:ok(e:find("codec.custom: unknown option 'encdoe' (did you mean 'encode'?)", 1, true), e)
e = err_of(net.config, {max_con = 3})
t:ok(e:find("net.config: unknown option 'max_con' (did you mean 'max_conns'?)", 1, true), e)
-- misspelt module functions
e = err_of(function() return net.lisen("tcp://127.0.0.1:0") end)
t:ok(e:find("net has no function 'lisen' (did you mean 'listen'?)", 1, true), e)
e = err_of(function() return codec.lin() end)
t:ok(e:find("codec has no function 'lin' (did you mean 'line'?)", 1, true), e)
-- valid options still work
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line{max_length = 8}, on_message = function(c, m) c:send(m) end, loops = 1}))
srv:close()
-- live state in tostring
local function wait(cond, what) -- polls cond with a 10 s deadline
  local deadline = t:now() + 10
  while not cond() do
    if t:now() > deadline then t:fail("timed out waiting: " .. what) return end
    sleep(0.01)
  end
  t:ok(true, what)
end
local c = net.dial("tcp://127.0.0.1:1", {})
t:ok(tostring(c) == "conn tcp://127.0.0.1:1 (connecting)" or tostring(c):find("dial failed"), tostring(c))
wait(function() return tostring(c):find("dial failed", 1, true) end, "a failed dial shows its error: " .. tostring(c))
local srv2 = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end}))
local c2 = assert(net.connect(srv2.url, {codec = codec.line()}))
t:ok(tostring(c2):find("^conn %d+ tcp 127%.0%.0%.1:%d+ %-> " .. srv2.addr:gsub("%.", "%%.") .. " %(open%)$"), tostring(c2))
c2:close()
wait(function() return tostring(c2):find("(closed", 1, true) end, "closed conn says so: " .. tostring(c2))
t:eq(srv2.id > 0, true, "srv.id")
local listed = false
for _, s in ipairs(net.servers()) do listed = listed or s == srv2 end
t:ok(listed, "net.servers lists the server")
srv2:close()
wait(function() for _, s in ipairs(net.servers()) do if s == srv2 then return false end end return true end, "closed server leaves net.servers()")
t:ok(tostring(srv2):find("(closed)", 1, true), tostring(srv2))
-- loop-VM handler files are loaded when the server starts
local s3, e3 = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "no_such_handler.lua"})
t:eq(s3, nil, "missing handler: no server")
t:ok(e3 and e3:find("no_such_handler.lua", 1, true) and e3:find("no such file", 1, true), "missing handler named: " .. tostring(e3))
local s4, e4 = net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "broken_handler.lua"})
t:eq(s4, nil, "broken handler: no server")
t:ok(e4 and e4:find("broken_handler.lua:%d+:"), "syntax error named with its line: " .. tostring(e4))
-- a line longer than max_length is refused on the sending side, naming the limit
local srv5 = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end}))
local c5 = assert(net.connect(srv5.url, {codec = codec.line()}))
local ok5, e5 = pcall(c5.send, c5, string.rep("x", 100 * 1024))
t:ok(not ok5 and e5:find("line of 102400 bytes exceeds max_length 65536", 1, true), "long line named: " .. tostring(e5))
c5:send("still open")
t:eq(c5:receive(5), "still open", "the conn stays usable")
c5:close()
srv5:close()
