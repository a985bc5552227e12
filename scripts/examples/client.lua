-- client.lua: a TCP client written top to bottom: net.connect and
-- c:receive suspend this coroutine, they do not block the process.
--   netplay run scripts/examples/client.lua HOST:PORT [LINE…]
-- Sends each LINE (default: "hello") and prints each reply line.
local target = arg and arg[1]
if not target then
  error("usage: netplay run client.lua HOST:PORT [LINE…]", 0)
end
local c, err = net.connect("tcp://" .. target, {codec = codec.line(), timeout = 3})
if not c then
  error("connect " .. target .. ": " .. err, 0)
end
local lines = {}
for i = 2, #arg do lines[#lines + 1] = arg[i] end
if #lines == 0 then lines = {"hello"} end
for _, line in ipairs(lines) do
  c:send(line)
  local reply, rerr = c:receive(3)
  if not reply then
    print("no reply: " .. rerr)
    break
  end
  print(reply)
end
c:close()
