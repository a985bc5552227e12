-- Lab 8, a typical wrong solution: counts batched per loop VM, see
-- wrong_batched_handler.lua.
local url = arg[1] or "tcp://127.0.0.1:7008"

local srv = assert(net.listen(url, {
  codec = codec.line(),
  vm = "loop",
  loops = 2,
  handler = "wrong_batched_handler.lua",   -- relative to this file's folder
}))
print("counter server listening on " .. srv.url)
