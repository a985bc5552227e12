-- Lab 5, reference solution: the hash runs on a worker VM through pool.run;
-- the script VM keeps answering pings meanwhile.
local url = arg[1] or "tcp://127.0.0.1:7005"

-- hash travels to a worker VM as code: it uses no upvalues
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
      local h = pool.run(hash, tonumber(n))   -- this handler waits, the VM does not
      c:send("hash " .. n .. " " .. h)
    elseif line == "ping" then
      c:send("pong")
    else
      c:send("error: expected hash N or ping")
    end
  end,
}))
print("hash server listening on " .. srv.url)
