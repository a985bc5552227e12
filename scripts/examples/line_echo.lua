-- line_echo.lua: echo '\n'-terminated lines, one Lua call per line.
--   netplay run scripts/examples/line_echo.lua [PORT] [loop]
-- With "loop" each event loop runs handlers/line_echo_handler.lua in its own
-- Lua VM, inline; without it the handler runs on the script VM. bench/run.sh's
-- line mode measures both against Go's net with bufio line framing.
local port = arg and arg[1] or "7002"
local mode = arg and arg[2] or "script"
local opts = {codec = codec.line(), on_message = function(c, line) c:send(line) end}
if mode == "loop" then
  opts = {codec = codec.line(), vm = "loop", handler = "handlers/line_echo_handler.lua"}
end
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, opts))
print("line echo (" .. mode .. " VM) listening on " .. srv.addr)
