-- redis.lua: a Redis-compatible key-value server in Lua, on codec.resp() and
-- loop VMs (one handler copy per event loop; data shared through shared.dict).
--   netplay run scripts/examples/redis.lua [PORT]      then: redis-cli -p PORT
local port = arg and arg[1] or "6380"
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  codec = codec.resp{commands_only = true},
  vm = "loop",
  handler = "handlers/redis_handler.lua",
}))
print("redis listening on " .. srv.addr)
