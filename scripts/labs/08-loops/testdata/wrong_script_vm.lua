-- Lab 8, a typical wrong solution: exact counts, but on the script VM (no
-- vm = "loop"): one VM serves every conn, so the work is not spread over
-- the loops (stage 2).
local url = arg[1] or "tcp://127.0.0.1:7008"
local counts = {}

local srv = assert(net.listen(url, {
  codec = codec.line(),
  loops = 2,
  on_message = function(c, line)
    local cmd, key = line:match("^(%a+) ?(%S*)$")
    if cmd == "hit" and key ~= "" then
      counts[key] = (counts[key] or 0) + 1
      c:send(key .. " " .. counts[key])
    elseif cmd == "get" and key ~= "" then
      c:send(key .. " " .. (counts[key] or 0))
    elseif cmd == "vm" then
      c:send("vm 1")
    else
      c:send("error: expected hit KEY, get KEY or vm")
    end
  end,
}))
print("counter server listening on " .. srv.url)
