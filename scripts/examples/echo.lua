-- echo.lua: the script VM echo server.
--   netplay run scripts/examples/echo.lua [PORT]
-- Every message comes back as it arrived (codec.raw: chunks as read).
local port = arg and arg[1] or "7000"
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  on_open = function(c) print("open", c.id, c.remote) end,
  on_message = function(c, msg) c:send(msg) end,
  on_close = function(c, err) print("close", c.id, err or "clean") end,
}))
print("echo listening on " .. srv.addr)
