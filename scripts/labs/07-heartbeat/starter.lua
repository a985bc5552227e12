-- Lab 7: a WebSocket client that survives a bad line: it reconnects with
-- backoff, finds a silent line dead with a heartbeat, and queues what it
-- sends while down. It prints every state change as
--   state N: FROM -> TO: WHY              (and " (waiting D s)" when TO is reconnecting)
-- and sends the same line to the server.
--   netplay run scripts/examples/ws_echo.lua 7007 &   then: netplay run starter.lua
--   check it: netplay lab check heartbeat
local url = (arg[1] or "tcp://127.0.0.1:7007"):gsub("^tcp:", "ws:") .. "/"

local n = 0 -- state changes so far
local w
w = ws.dial(url, {
  reconnect = false,        -- TODO: a lost line is lost for good
  -- TODO: a heartbeat, and a queue for what is sent while down
  on_state = function(from, to, why, info)
    n = n + 1
    local line = ("state %d: %s -> %s: %s"):format(n, from, to, why)
    print(line)
    w:send(line)
  end,
  on_message = function(w, msg) print("server says " .. msg) end,
})
timer.every(1, function() end) -- keeps the script running once the client has closed
