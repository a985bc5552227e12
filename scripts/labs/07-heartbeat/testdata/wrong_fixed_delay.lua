-- Lab 7, a typical wrong solution: factor = 1, a fixed delay: the client
-- retries a down server every 0.1-0.2 s for ever instead of backing off
-- (stage 2).
local url = (arg[1] or "tcp://127.0.0.1:7007"):gsub("^tcp:", "ws:") .. "/"

local n = 0 -- state changes so far
local w
w = ws.dial(url, {
  reconnect = {min = 0.2, max = 1.6, factor = 1, jitter = 0.5, min_uptime = 1},
  heartbeat = {interval = 0.5, timeout = 1},
  queue = 100,
  on_state = function(from, to, why, info)
    n = n + 1
    local line = ("state %d: %s -> %s: %s"):format(n, from, to, why)
    if to == "reconnecting" then line = line .. (" (waiting %.3f s)"):format(info.delay) end
    print(line)
    local ok, err = w:send(line)   -- queued while not connected
    if not ok then print("send failed: " .. tostring(err)) end
  end,
  on_message = function(w, msg) print("server says " .. msg) end,
})
