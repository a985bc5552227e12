-- Lab 8: a counter server spread over loop VMs.
-- "hit KEY" answers "KEY N" (N: hits of KEY so far, this one included),
-- "get KEY" answers "KEY N", "vm" answers "vm ID" (the loop VM serving
-- this conn). The handler is in counter_handler.lua: with vm = "loop",
-- every event loop loads its own copy of it and runs it on its own thread.
--   netplay run starter.lua [URL]        check it: netplay lab check loops
local url = arg[1] or "tcp://127.0.0.1:7008"

local srv = assert(net.listen(url, {
  codec = codec.line(),
  vm = "loop",
  loops = 2,
  handler = "counter_handler.lua",   -- relative to this file's folder
}))
print("counter server listening on " .. srv.url)
