-- Lab 3, a typical wrong solution: ECHO answers a simple string ("+hey")
-- where Redis answers a bulk string ("$3\r\nhey\r\n"): stage 2.
local url = arg[1] or "tcp://127.0.0.1:7003"
local db = {}  -- key -> {value = s, expires = os.clock() seconds or nil}

local function get(key)
  local e = db[key]
  if e and e.expires and os.clock() >= e.expires then
    db[key] = nil          -- expired: forget it on read, as Redis does
    return nil
  end
  return e and e.value
end

local commands = {
  PING = function(cmd) return cmd[2] or {ok = "PONG"} end,
  ECHO = function(cmd) return {ok = cmd[2]} end,      -- wrong: a simple string
  GET = function(cmd) return get(cmd[2]) end,       -- nil: a null bulk string
  SET = function(cmd)
    local e = {value = cmd[3]}
    if cmd[4] and cmd[4]:upper() == "PX" then
      local ms = tonumber(cmd[5])
      if not ms or ms <= 0 then return {err = "ERR invalid expire time in 'set' command"} end
      e.expires = os.clock() + ms / 1000
    end
    db[cmd[2]] = e
    return {ok = "OK"}
  end,
  COMMAND = function() return {} end,              -- redis-cli asks at start
}

local srv = assert(net.listen(url, {
  codec = codec.resp{commands_only = true},
  on_message = function(c, cmd)
    local fn = commands[cmd[1]:upper()]
    if not fn then
      return c:send({err = "ERR unknown command '" .. cmd[1] .. "'"})
    end
    c:send(fn(cmd))
  end,
}))
print("redis server listening on " .. srv.url)
