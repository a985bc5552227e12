-- ws_faults.lua: the robust client through netplay's fault-injecting proxy.
-- An echo server, a proxy in front of it, and a client with a heartbeat;
-- then the proxy adds latency (the RTT grows), swallows everything (the
-- heartbeat declares the conn dead), cuts the line (the client reconnects
-- with backoff) and heals. Every state change and a stats line per second
-- are printed.
--   netplay run scripts/examples/ws_faults.lua
local srv = assert(ws.listen("ws://127.0.0.1:0/", {on_message = function(c, m) c:send(m) end}))
local p = assert(net.proxy("tcp://127.0.0.1:0", "tcp://" .. srv.addr))
local t0 = timer.now()
local function say(fmt, ...) print(("%5.2fs  " .. fmt):format(timer.now() - t0, ...)) end

local w = ws.dial("ws://" .. p.addr .. "/", {
  heartbeat = {interval = 0.5, timeout = 1},
  reconnect = {min = 0.2, max = 2, factor = 2, jitter = 0.5},
  on_state = function(from, to, why, info)
    say("%s -> %s: %s%s", from, to, why, to == "reconnecting" and (" (waiting %.2fs)"):format(info.delay) or "")
  end,
})
local function stats()
  local s = w:stats()
  say("rtt avg %.1f ms, max %.1f ms; pings %d pongs %d missed %d (loss %.2f); reconnects %d",
    s.rtt_avg_ms, s.rtt_max_ms, s.pings, s.pongs, s.missed, s.loss, s.reconnects)
end
local tick = timer.every(1, stats)
local steps = {
  {1.2, "latency 150 ms each way", function() p:set{latency = 0.15} end},
  {3.2, "the proxy holds every byte (timeout fault)", function() p:set{latency = false, timeout = 30} end},
  {5.6, "faults cleared, the line is cut", function() p:clear(); p:cut() end},
  {8.0, "done", function() tick:stop(); stats(); w:close(); p:close(); srv:close() end},
}
for _, s in ipairs(steps) do
  timer.after(s[1], function() say("== %s", s[2]); s[3]() end)
end
