-- Lab 5, a typical wrong solution: the function given to pool.run calls
-- hash, an upvalue. Functions travel to worker VMs as code without their
-- upvalues, so on the worker hash is nil: a Lua error (stage 2 shows it).
local url = arg[1] or "tcp://127.0.0.1:7005"

local function hash(n)
  local h = 0
  for i = 1, n do h = (h * 31 + i) % 1000003 end
  return h
end

local srv = assert(net.listen(url, {
  codec = codec.line(),
  on_message = function(c, line)
    local n = line:match("^hash (%d+)$")
    if n then
      local h = pool.run(function(x) return hash(x) end, tonumber(n))
      c:send("hash " .. n .. " " .. h)
    elseif line == "ping" then
      c:send("pong")
    else
      c:send("error: expected hash N or ping")
    end
  end,
}))
print("hash server listening on " .. srv.url)
