-- echo_loops.lua: echo with loop VMs. The handler module is loaded once per
-- event loop and runs inline on that loop: Lua on every core, no hand-off.
--   netplay run scripts/examples/echo_loops.lua [PORT]
local port = arg and arg[1] or "7001"
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  vm = "loop",
  handler = "handlers/echo_handler.lua",   -- relative to this file's folder
}))
print("echo (loop VMs) listening on " .. srv.addr)
