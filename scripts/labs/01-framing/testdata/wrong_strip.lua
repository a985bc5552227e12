-- Lab 1, a typical wrong solution: strip the newline off each raw chunk.
-- It works while every read holds exactly one line (stage 1), and breaks
-- when two lines arrive in one read (stage 2).
local url = arg[1] or "tcp://127.0.0.1:7001"

local srv = assert(net.listen(url, {
  codec = codec.raw(),
  on_message = function(c, msg)
    local line = msg:gsub("\r?\n$", "")
    c:write(#line .. " " .. line .. "\n")
  end,
}))
print("framing server listening on " .. srv.url)
