-- Lab 8, reference solution: loop VMs, counts in shared.dict.
local url = arg[1] or "tcp://127.0.0.1:7008"

local srv = assert(net.listen(url, {
  codec = codec.line(),
  vm = "loop",
  loops = 2,
  handler = "solution_handler.lua",   -- relative to this file's folder
}))
print("counter server listening on " .. srv.url)
