-- Lab 5, a typical wrong solution: each hash starts as a coroutine of its
-- own (timer.after) and the handler returns at once. Pings stay fast, but
-- one conn's answers come back out of order: a quick ping overtakes the
-- hash sent before it (stage 4).
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
      timer.after(0.001, function()
        c:send("hash " .. n .. " " .. pool.run(hash, tonumber(n)))
      end)
    elseif line == "ping" then
      c:send("pong")
    else
      c:send("error: expected hash N or ping")
    end
  end,
}))
print("hash server listening on " .. srv.url)
