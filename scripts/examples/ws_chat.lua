-- ws_chat.lua: a WebSocket chat room. Every message a client sends goes to
-- every client (srv:broadcast reaches the conns of all event loops), with
-- the sender's name; "/nick NAME" renames you.
--   netplay run scripts/examples/ws_chat.lua [PORT]
-- Try it with two terminals of:  python3 -m websockets ws://127.0.0.1:8002/
local port = arg and arg[1] or "8002"
local srv
srv = assert(ws.listen("ws://127.0.0.1:" .. port .. "/", {
  ping_interval = 20,                        -- drop peers that went silent
  on_open = function(c, req)
    c.data.nick = "guest" .. c.id
    c:send("welcome " .. c.data.nick .. " (" .. srv:conns() .. " here)")
    srv:broadcast("* " .. c.data.nick .. " joined")
  end,
  on_message = function(c, msg, kind)
    local nick = msg:match("^/nick%s+(%S+)")
    if nick then
      srv:broadcast("* " .. c.data.nick .. " is now " .. nick)
      c.data.nick = nick
    else
      srv:broadcast(c.data.nick .. ": " .. msg)
    end
  end,
  on_close = function(c, code, reason)
    srv:broadcast("* " .. c.data.nick .. " left (" .. code .. ")")
  end,
}))
print("ws chat listening on " .. srv.addr)
