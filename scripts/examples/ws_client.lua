-- ws_client.lua: a robust WebSocket client. It prints every state change
-- (with the backoff delay it is about to wait), sends a numbered message
-- every half second (queued while the server is down, sent once and in
-- order after the next handshake) and prints its stats once a second.
-- Stop the server and start it again: the client survives.
--   netplay run scripts/examples/ws_echo.lua 8001 &
--   netplay run scripts/examples/ws_client.lua [ws://127.0.0.1:8001/] [SECONDS]
local url = arg and arg[1] or "ws://127.0.0.1:8001/"
local seconds = tonumber(arg and arg[2]) or 30
local w = ws.dial(url, {
  reconnect = {min = 0.5, max = 8, factor = 2, jitter = 0.5, min_uptime = 5},
  heartbeat = {interval = 2, timeout = 2},
  queue = 100, max_age = 10,
  on_state = function(from, to, why, info)
    local extra = to == "reconnecting" and (" (waiting %.2fs)"):format(info.delay) or ""
    print(("state %s -> %s: %s%s"):format(from, to, why, extra))
  end,
  on_message = function(w, msg) print("echo " .. msg) end,
  on_close = function(w, code, reason) print(("conn closed %d %s"):format(code, reason)) end,
})
local n = 0
local ticker = timer.every(0.5, function()
  n = n + 1
  local ok, err = w:send("msg " .. n)
  if not ok then print("send " .. n .. ": " .. tostring(err)) end
end)
local stats = timer.every(1, function()
  local s = w:stats()
  print(("stats state=%s rtt_avg=%.2fms p95=%.2fms pings=%d pongs=%d missed=%d reconnects=%d queued=%d sent=%d received=%d")
    :format(s.state, s.rtt_avg_ms, s.rtt_p95_ms, s.pings, s.pongs, s.missed, s.reconnects, s.queued, s.sent, s.received))
end)
timer.after(seconds, function()
  ticker:stop()
  stats:stop()
  w:close()
end)
