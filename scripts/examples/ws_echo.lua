-- ws_echo.lua: a WebSocket echo server. Every text or binary message comes
-- back as it was sent; pings are answered by netplay itself; a peer that
-- breaks the protocol is closed with the code RFC 6455 asks for (1002, 1007,
-- 1009) and on_close tells you which.
--   netplay run scripts/examples/ws_echo.lua [PORT] [loop]
-- With "loop" the handler runs in one Lua VM per event loop (Lua on every
-- core, see handlers/ws_echo_handler.lua); without it, on the script VM.
local port = arg and arg[1] or "8001"
local mode = arg and arg[2] or "script"
local _ = net.config{max_conns = 20000} or net.config{max_conns = 11000}  -- room for 10k idle conns (within the fd limit)
local opts = {
  max_conns = 20000,
  max_message = 16 * 1024 * 1024,   -- Autobahn's 9.x cases send up to 16 MiB
  deflate = true,                   -- permessage-deflate when the client asks
  on_message = function(c, msg, kind)
    if kind == "binary" then c:send_binary(msg) else c:send(msg) end
  end,
  on_close = function(c, code, reason)
    if code ~= 1000 and code ~= 1001 and code ~= 1005 then
      print(("conn %d closed: %d %s"):format(c.id, code, reason))
    end
  end,
}
if mode == "loop" then
  opts = {vm = "loop", handler = "handlers/ws_echo_handler.lua", max_message = opts.max_message, deflate = true,
          max_conns = opts.max_conns}
end
local srv = assert(ws.listen("ws://127.0.0.1:" .. port .. "/", opts))
print("ws echo (" .. mode .. " VM) listening on " .. srv.addr)
