-- redis.lua: a Redis-compatible key-value server in Lua, on codec.resp() and
-- loop VMs (one handler copy per event loop; data shared through shared.dict).
--   netplay run scripts/examples/redis.lua [PORT [LOOPS]]   then: redis-cli -p PORT
-- LOOPS: event loops (default one per core). redis-server has one thread; with
-- the clients on the same cores, one loop answers single requests fastest.
local port = arg and arg[1] or "6380"
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  codec = codec.resp{commands_only = true},
  vm = "loop", loops = arg and tonumber(arg[2]),
  coalesce_writes = true, -- replies go out once per loop round, as redis-server's do
  handler = "handlers/redis_handler.lua",
}))
print("redis listening on " .. srv.addr)
