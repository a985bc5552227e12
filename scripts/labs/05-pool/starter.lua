-- Lab 5: CPU-heavy work on the worker pool.
-- "hash N" answers "hash N <h>" where h is hash(N) below (CPU-heavy for
-- big N); "ping" answers "pong", at once, even while hashes are running.
--   netplay run starter.lua [URL]        check it: netplay lab check pool
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
      -- TODO: this loop runs on the script VM, which serves every conn
      c:send("hash " .. n .. " " .. hash(tonumber(n)))
    elseif line == "ping" then
      c:send("pong")
    else
      c:send("error: expected hash N or ping")
    end
  end,
}))
print("hash server listening on " .. srv.url)
