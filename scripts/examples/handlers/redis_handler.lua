-- The per-loop handler of redis.lua: PING ECHO SET GET DEL EXISTS INCR DECR
-- INCRBY DECRBY EXPIRE TTL KEYS FLUSHALL DBSIZE COMMAND CONFIG, with Redis's replies.
local db = shared.dict("redis")
local OK, PONG = {ok = "OK"}, {ok = "PONG"}
local NOT_INT = {err = "ERR value is not an integer or out of range"}

local function int(s)  -- a Redis integer argument, or nil
  if type(s) == "string" and s:match("^%-?%d+$") and #s < 20 then return tonumber(s) end
end

local function glob(p) -- a Redis KEYS pattern as an anchored Lua pattern
  p = p:gsub("[%^%$%(%)%%%.%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return "^" .. p .. "$"
end

local function incrby(key, n)
  local v = db:get(key)
  if v ~= nil and not int(tostring(v)) then return NOT_INT end
  return db:incr(key, n, 0)
end

local cmds = { -- name = {arity (negative: at least), function(args)}
  ping = {-1, function(a) return a[2] or PONG end},
  echo = {2, function(a) return a[2] end},
  get = {2, function(a) local v = db:get(a[2]); return type(v) == "number" and tostring(v) or v end},
  set = {-3, function(a)
    if not a[4] then db:set(a[2], a[3]); return OK end -- plain SET key value
    local ttl, mode, i = nil, nil, 4
    while a[i] do
      local o = a[i]:upper()
      if (o == "EX" or o == "PX") and a[i + 1] then
        local n = int(a[i + 1])
        if not n or n <= 0 then return {err = "ERR invalid expire time in 'set' command"} end
        ttl, i = o == "EX" and n or n / 1000, i + 2
      elseif (o == "NX" or o == "XX") and not mode then mode, i = o, i + 1
      else return {err = "ERR syntax error"} end
    end
    local ok = (mode == "NX" and db:add(a[2], a[3], ttl)) or (mode == "XX" and db:replace(a[2], a[3], ttl))
    if not mode then db:set(a[2], a[3], ttl); ok = true end
    return ok and OK or nil
  end},
  del = {-2, function(a)
    local n = 0
    for i = 2, #a do if db:get(a[i]) ~= nil then db:delete(a[i]); n = n + 1 end end
    return n
  end},
  exists = {-2, function(a)
    local n = 0
    for i = 2, #a do if db:get(a[i]) ~= nil then n = n + 1 end end
    return n
  end},
  incr = {2, function(a) return incrby(a[2], 1) end},
  decr = {2, function(a) return incrby(a[2], -1) end},
  incrby = {3, function(a) local n = int(a[3]); if not n then return NOT_INT end return incrby(a[2], n) end},
  decrby = {3, function(a) local n = int(a[3]); if not n then return NOT_INT end return incrby(a[2], -n) end},
  expire = {3, function(a)
    local n = int(a[3]); if not n then return NOT_INT end
    if n <= 0 then local had = db:get(a[2]) ~= nil; db:delete(a[2]); return had and 1 or 0 end
    return db:expire(a[2], n) and 1 or 0
  end},
  ttl = {2, function(a)
    local t = db:ttl(a[2])
    if t == nil then return -2 elseif t == 0 then return -1 end
    return math.ceil(t)
  end},
  keys = {2, function(a)
    local out, pat = {}, glob(a[2])
    for _, k in ipairs(db:keys()) do if k:find(pat) then out[#out + 1] = k end end
    return out
  end},
  flushall = {-1, function() db:flush_all(); return OK end},
  dbsize = {1, function() return #db:keys() end},
  command = {-1, function() return {} end},  -- enough for redis-cli to start
  config = {-2, function() return {} end},   -- and for redis-benchmark
}

local upper = {} -- clients send GET or get: find both without a lower() per command
for name, cmd in pairs(cmds) do upper[name:upper()] = cmd end
for name, cmd in pairs(upper) do cmds[name] = cmd end

return {
  on_message = function(c, args)
    local name = args[1] or ""
    local cmd = cmds[name] or cmds[name:lower()]
    if not cmd then
      local rest = {}
      for i = 2, math.min(#args, 4) do rest[#rest + 1] = "'" .. args[i] .. "'" end
      return c:send({err = string.format("ERR unknown command '%s', with args beginning with: %s",
        args[1] or "", table.concat(rest, " "))})
    end
    local n = cmd[1] -- arity: exactly n, or at least -n when negative (#args + n < 0)
    if (n > 0 and #args ~= n) or #args + n < 0 then
      return c:send({err = "ERR wrong number of arguments for '" .. name:lower() .. "' command"})
    end
    c:send(cmd[2](args))
  end,
}
