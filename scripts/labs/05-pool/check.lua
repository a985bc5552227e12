-- Lab 5 checker: "hash N" is CPU-heavy; "ping" must stay fast meanwhile.
-- The checker measures ping latency while hashes run.
local HEAVY = 2000000

local function hash(n) -- the same function as the server's
  local h = 0
  for i = 1, n do h = (h * 31 + i) % 1000003 end
  return h
end

-- hash(n) of the heavy requests, computed once with hash above: the
-- checker must not spend its own CPU on them while it measures latency
-- (the e2e test recomputes them).
local KNOWN = {[2000001] = 23448, [2000002] = 726884, [2000003] = 533335, [2000005] = 533336, [300000] = 742112}
local function expected(n) return KNOWN[n] or hash(n) end

-- A ping must not wait for a hash: it may take MAX_PING, or half as long
-- as the hash it ran beside when the machine is so busy that a hash takes
-- long (a server that blocks makes the ping wait for nearly the whole hash).
local MAX_PING = 0.1

local function ping(c)
  c:write("ping\n")
  local took = check.measure(function() c:expect_line("pong\n", {what = "answer to ping", seconds = 3}) end)
  check.note(string.format("pong after %.3f s", took))
  return took
end

local function judge(took, hash_time, label)
  local limit = math.max(MAX_PING, hash_time / 2)
  if took > limit then
    check.fail{message = label .. " waited for a hash",
      expected = string.format("pong within %.2f s (a hash took %.2f s)", limit, hash_time),
      got = string.format("pong after %.2f s", took), expected_raw = true, got_raw = true}
  end
end

check.stage{name = "ping answers at once while a hash runs",
  hint = "one Lua VM runs every handler: a loop in on_message stops all conns. " ..
    "Run it on a worker VM: local h = pool.run(hash, n)",
  run = function()
    local a = check.connect{name = "hasher"}
    local b = check.connect{name = "pinger"}
    local t0 = check.now()
    a:write("hash " .. HEAVY .. "\n")
    check.note("waiting 0.05 s for the hash to start")
    sleep(0.05)
    local took = ping(b)
    a:read_until("\n", 5) -- stage 2 checks the value
    judge(took, check.now() - t0, "a ping sent while a hash ran")
    a:close(); b:close()
  end}

check.stage{name = "hashes come back right",
  hint = "a function given to pool.run travels as code without its upvalues: pass hash itself " ..
    "(pool.run(hash, n)), not a closure that calls it",
  run = function()
    local c = check.connect()
    for _, n in ipairs({1, 1000, 123457}) do
      c:write("hash " .. n .. "\n")
      c:expect_line("hash " .. n .. " " .. hash(n) .. "\n", {what = "answer to hash " .. n, seconds = 2})
    end
    c:close()
  end}

check.stage{name = "four hashes at once, pings stay fast",
  hint = "every hash must leave the script VM; pool.run lets each handler wait while others run",
  timeout = 8,
  run = function()
    local fns, fastest, pings = {}, math.huge, {}
    for i, n in ipairs({2000001, 2000002, 2000003, 2000005}) do
      fns[i] = function()
        local c = check.connect{name = "hasher " .. i}
        local t0 = check.now()
        c:write("hash " .. n .. "\n")
        c:expect_line("hash " .. n .. " " .. expected(n) .. "\n", {what = "answer to hash " .. n, seconds = 6})
        fastest = math.min(fastest, check.now() - t0)
        c:close()
      end
    end
    fns[5] = function()
      local p = check.connect{name = "pinger"}
      sleep(0.05)
      for i = 1, 5 do pings[i] = ping(p); sleep(0.02) end
      p:close()
    end
    check.parallel(fns, 7)
    for i, took in ipairs(pings) do judge(took, fastest, "ping " .. i .. " of 5") end
  end}

check.stage{name = "one conn's answers stay in order",
  hint = "a client reads answers in the order it asked: let on_message wait for pool.run " ..
    "instead of answering later from another coroutine",
  run = function()
    local c = check.connect()
    c:write("hash 300000\nping\n")
    c:expect_line("hash 300000 " .. expected(300000) .. "\n", {what = "first answer (to hash 300000)", seconds = 3})
    c:expect_line("pong\n", {what = "second answer (to ping)"})
    c:close()
  end}
