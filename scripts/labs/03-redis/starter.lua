-- Lab 3: a Redis-compatible server. PING, ECHO, SET (with PX), GET.
--   netplay run starter.lua [URL]        then: redis-cli -p 7003 PING
--   check it: netplay lab check redis
local url = arg[1] or "tcp://127.0.0.1:7003"

local srv = assert(net.listen(url, {
  -- codec.resp decodes each command into a table of strings: {"SET", "k", "v"}
  codec = codec.resp{commands_only = true},
  on_message = function(c, cmd)
    local name = cmd[1]:upper()
    if name == "PING" then
      c:write("+PONG")     -- TODO: is this what a Redis client expects?
    else
      c:send({err = "ERR unknown command '" .. cmd[1] .. "'"})
    end
  end,
}))
print("redis server listening on " .. srv.url)
