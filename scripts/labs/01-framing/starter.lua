-- Lab 1: framing. A server that answers every line with "<length> <line>".
--   netplay run starter.lua [URL]        check it: netplay lab check framing
-- The checker passes the URL to listen on as arg[1].
local url = arg[1] or "tcp://127.0.0.1:7001"

local srv = assert(net.listen(url, {
  -- codec.raw(): every read from the socket is one message, whatever it holds
  codec = codec.raw(),
  on_message = function(c, msg)
    -- TODO: msg is a chunk of bytes, not a line. Make it a line.
    c:write(#msg .. " " .. msg .. "\n")
  end,
}))
print("framing server listening on " .. srv.url)
