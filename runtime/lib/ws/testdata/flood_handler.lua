-- The loop-VM handler of TestLoopBacklogIsBounded: the first message waits
-- until the test sets "release" in shared.dict("flood"); every message
-- counts in "seen" and, out of order, in "bad" (its first 4 bytes are its
-- number, big-endian).
local d = shared.dict("flood")
local seen, bad = 0, 0
return {
  on_message = function(c, msg)
    if msg == "ping" then c:send("pong") return end
    if seen == 0 then
      while not d:get("release") do sleep(0.01) end
    end
    if bin.unpack(">I4", msg) ~= seen then bad = bad + 1 end
    seen = seen + 1
    d:set("seen", seen)
    d:set("bad", bad)
  end,
}
