-- Lab 7 checker: the learner's WebSocket client dials the checker's ws
-- server through a net.proxy that listens where the client was told to
-- dial; the checker cuts, refuses and silences the line and reads the
-- state changes the client prints ("state N: FROM -> TO: WHY") and sends.
local MIN, MAX, FACTOR, JITTER = 0.2, 1.6, 2, 0.5 -- the backoff the lesson asks for
local INTERVAL, TIMEOUT = 0.5, 1                 -- the heartbeat it asks for
local UPTIME = 1                                  -- min_uptime
local SLACK = 1.5 -- how late a retry may come on a busy machine

local got = {} -- messages the server received, in order
local srv = assert(ws.listen("ws://127.0.0.1:0/", {
  on_message = function(c, msg) got[#got + 1] = msg end,
}))
local refuse = false -- on: the proxy accepts each conn and closes it at once
local attempts = {}  -- when the proxy accepted each conn
local p = assert(net.proxy(check.url, "tcp://" .. srv.addr, {
  on_open = function(pc)
    attempts[#attempts + 1] = check.now()
    if refuse then return {down = true} end
  end,
}))

local history = {}   -- the state lines of the stages that passed, in order
local connected_at   -- when the checker saw the last "-> connected" line

-- lines() is this stage's state lines: {text =, n =, from =, to =, why =, delay =}.
local function lines()
  local out = {}
  for text in check.output():gmatch("[^\n]+") do
    local n, from, to, why = text:match("^state (%d+): (%S+) %-> (%S+): (.*)$")
    if n then
      local d = why:match("%(waiting ([%d.]+) s%)$")
      out[#out + 1] = {text = text, n = tonumber(n), from = from, to = to, why = why, delay = d and tonumber(d)}
    end
  end
  return out
end

-- wait_line(after, seconds, pred, what, hint, none) waits for a state line past
-- index after for which pred holds (none: the message when none comes); a
-- line into closed fails at once.
local function wait_line(after, seconds, pred, what, hint, none)
  local deadline = check.now() + seconds
  while true do
    local ls = lines()
    for i = after + 1, #ls do
      local l = ls[i]
      if l.to == "closed" then
        check.fail{message = "your client went to closed and will never come back", expected = what,
          got = l.text, expected_raw = true, got_raw = true, hint = hint}
      end
      if pred(l) then
        check.note("your client printed " .. check.escape(l.text))
        return l, i
      end
    end
    if check.now() >= deadline then
      local last = ls[#ls]
      check.fail{message = none or ("no such state change within " .. seconds .. " s"), expected = what,
        got = last and ("last: " .. last.text) or "no state change", expected_raw = true, got_raw = true, hint = hint}
    end
    sleep(0.01)
  end
end

local function arrived(text, seconds)
  local deadline = check.now() + seconds
  while check.now() < deadline do
    for _, m in ipairs(got) do if m == text then return true end end
    sleep(0.01)
  end
  check.fail{message = "the server never got the line your client printed", expected = text,
    got = #got == 0 and "no message at all" or ("last message: " .. got[#got]), expected_raw = true, got_raw = true,
    hint = "send every state line to the server too: w:send(line) in on_state (w is set by then)"}
end

-- connected(after) waits until the client is connected again and the
-- server has its line; the stage can end then (the client prints nothing
-- while connected and idle).
local function connected(after, seconds)
  local l, i = wait_line(after, seconds, function(l) return l.to == "connected" end, "connecting -> connected")
  connected_at = check.now()
  arrived(l.text, 3)
  return l, i
end

local function keep() for _, l in ipairs(lines()) do history[#history + 1] = l.text end end

check.stage{name = "the client connects and comes back after the line is cut",
  hint = "reconnect = false makes every loss final; give ws.dial " ..
    "reconnect = {min = 0.2, max = 1.6, factor = 2, jitter = 0.5, min_uptime = 1}",
  timeout = 15,
  run = function()
    local _, i = connected(0, 8)
    check.note("the checker cuts the line (p:cut())")
    p:cut()
    local _, j = wait_line(i, 3, function(l) return l.to ~= "connected" end, "connected -> reconnecting")
    connected(j, 6)
    keep()
  end}

check.stage{name = "the waits before each retry follow the backoff",
  hint = "reconnect = {min = 0.2, max = 1.6, factor = 2, jitter = 0.5}: retry n waits between " ..
    "(1 - jitter) and 1 times min(max, min * factor^(n-1)); print info.delay as (waiting D s)",
  timeout = 20,
  run = function()
    while check.now() - connected_at < UPTIME + 0.2 do sleep(0.02) end -- min_uptime: the retry count starts again at 1
    refuse = true
    local a0, t0 = #attempts, check.now()
    check.note("the checker cuts the line and refuses the next 5 conns")
    p:cut()
    local deadline = check.now() + 12
    while #attempts < a0 + 5 do
      if check.now() > deadline then
        check.fail{message = "your client made " .. (#attempts - a0) .. " retries in 12 s", expected = "5 retries within about 4.6 s",
          got = (#attempts - a0) .. " retries", expected_raw = true, got_raw = true}
      end
      sleep(0.01)
    end
    refuse = false
    local _, i = connected(0, 6)
    local waits, ls = {}, lines()
    for k = 1, i do
      local l = ls[k]
      if l.to == "reconnecting" then
        if not l.delay then
          check.fail{message = "your reconnecting line does not say how long it waits", expected = "... (waiting D s)",
            got = l.text, expected_raw = true, got_raw = true}
        end
        waits[#waits + 1] = l
      end
    end
    for k = 1, 5 do
      local l = waits[k]
      local ceiling = math.min(MAX, MIN * FACTOR ^ (k - 1))
      local lo = (1 - JITTER) * ceiling
      if not l or l.delay < lo - 0.002 or l.delay > ceiling + 0.002 then
        check.fail{message = "the wait before retry " .. k .. " is outside the backoff's band",
          expected = string.format("between %.3f and %.3f s (retry %d: ceiling %.1f s, jitter %.1f)", lo, ceiling, k, ceiling, JITTER),
          got = l and string.format("%.3f s (%s)", l.delay, l.text) or "no wait printed", expected_raw = true, got_raw = true}
      end
      local gap = attempts[a0 + k] - (k == 1 and t0 or attempts[a0 + k - 1])
      check.note(string.format("retry %d: printed a wait of %.3f s; the proxy saw it %.3f s after the %s", k, l.delay, gap,
        k == 1 and "cut" or "last retry"))
      if gap < l.delay - 0.05 or gap > l.delay + SLACK then
        check.fail{message = "retry " .. k .. " did not come after the wait it printed",
          expected = string.format("%.3f s", l.delay), got = string.format("%.3f s", gap), expected_raw = true, got_raw = true}
      end
    end
    keep()
  end}

check.stage{name = "a silent line is found dead by the heartbeat",
  hint = "a line that drops packets sends no FIN: only a ping that gets no answer shows it is dead. " ..
    "heartbeat = {interval = 0.5, timeout = 1} declares it dead within 1.5 s",
  timeout = 12,
  run = function()
    for _, pc in ipairs(p:conns()) do p:set_conn(pc.id, {latency = 30}) end
    local t0 = check.now()
    check.note("the line goes silent: the proxy holds every byte back for 30 s (p:set_conn(id, {latency = 30}))")
    local limit = INTERVAL + TIMEOUT + 2.5
    local l, i = wait_line(0, limit, function(l) return l.to ~= "connected" end,
      string.format("connected -> reconnecting within %.1f s (heartbeat interval %.1f + timeout %.1f)", INTERVAL + TIMEOUT, INTERVAL, TIMEOUT),
      nil, string.format("your client still says connected %.1f s after the line went silent", limit))
    check.note(string.format("found dead after %.2f s", check.now() - t0))
    if not l.why:find("heartbeat", 1, true) then
      check.fail{message = "your client left the line, but not because of its heartbeat", expected = "heartbeat: ...",
        got = l.text, expected_raw = true, got_raw = true}
    end
    connected(i, 6)
    keep()
  end}

check.stage{name = "what is sent while the line is down arrives once, in order",
  hint = "w:send queues while the client is not connected and sends the queue, in order, right after the " ..
    "next handshake; do not check w.state first, and keep the queue big enough (queue = 100)",
  timeout = 15,
  run = function()
    check.note("the proxy goes down (p:set{down = true}): its conns are cut, new ones refused")
    p:set{down = true}
    local seen, retries = {}, 0 -- the retry count may go on from the last stage's: count this stage's
    local _, i = wait_line(0, 8, function(l)
      if l.from == "reconnecting" and l.to == "connecting" and not seen[l.n] then
        seen[l.n] = true
        retries = retries + 1
      end
      return retries >= 2
    end, "two retries (reconnecting -> connecting)")
    p:set{down = false}
    check.note("the proxy is up again")
    connected(i, 6)
    keep()
    local pos = {}
    for k, m in ipairs(got) do
      if pos[m] then
        check.fail{message = "the server got a line twice", expected = "once", got = m, expected_raw = true, got_raw = true,
          hint = "netplay's queue sends each message once; do not send it again yourself after a reconnect"}
      end
      pos[m] = k
    end
    local last = 0
    for _, text in ipairs(history) do
      if not pos[text] then
        check.fail{message = "a line your client printed never reached the server", expected = text,
          got = "not among the " .. #got .. " messages the server got", expected_raw = true, got_raw = true}
      end
      if pos[text] < last then
        check.fail{message = "the server got the lines out of order", expected = text .. " after " .. got[last],
          got = "before it", expected_raw = true, got_raw = true}
      end
      last = pos[text]
    end
    check.note(#history .. " state lines printed, all " .. #got .. " arrived once and in order")
  end}
