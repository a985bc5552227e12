-- echo.lua: the script VM echo server.
--   netplay run scripts/examples/echo.lua [PORT|URL]   (like the tutorial's echo.lua)
-- Every message comes back as it arrived (codec.raw: chunks as read).
local where = arg and arg[1] or "7000"
local url = where:find("://") and where or "tcp://127.0.0.1:" .. where
local srv = assert(net.listen(url, {
  on_open = function(c) print("open", c.id, c.remote) end,
  on_message = function(c, msg) c:send(msg) end,
  on_close = function(c, err) print("close", c.id, err or "clean") end,
}))
print("echo listening on " .. srv.addr)
