-- chat.lua: a line-based chat room; every line goes to everyone else.
--   netplay run scripts/examples/chat.lua [PORT]
--   nc 127.0.0.1 7002      (in two terminals)
local port = arg and arg[1] or "7002"
local members = {}   -- conn -> name

local function broadcast(from, line)
  for c in pairs(members) do
    if c ~= from then c:send(line) end
  end
end

local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  codec = codec.line{max_length = 1024},
  on_open = function(c)
    members[c] = "guest" .. c.id
    c:send("welcome " .. members[c] .. "; /nick NAME to rename")
    broadcast(c, "* " .. members[c] .. " joined")
  end,
  on_message = function(c, line)
    local nick = line:match("^/nick%s+(%S+)")
    if nick then
      broadcast(c, "* " .. members[c] .. " is now " .. nick)
      members[c] = nick
      return
    end
    broadcast(c, members[c] .. ": " .. line)
  end,
  on_close = function(c)
    local name = members[c]
    members[c] = nil
    if name then broadcast(nil, "* " .. name .. " left") end
  end,
}))
print("chat listening on " .. srv.addr)
