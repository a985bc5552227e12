-- Lab 2: length-field framing. Every message is a frame: a 2-byte
-- big-endian length, then that many bytes. The server answers each frame
-- with a frame holding the same bytes upper-cased.
--   netplay run starter.lua [URL]        check it: netplay lab check length-field
local url = arg[1] or "tcp://127.0.0.1:7002"

local srv = assert(net.listen(url, {
  -- TODO: this is lab 1's codec; a binary frame has no line end.
  codec = codec.line(),
  on_message = function(c, payload)
    c:send(payload:upper())
  end,
  on_close = function(c, err)
    print("conn " .. c.id .. " closed: " .. (err or "clean"))
  end,
}))
print("length-field server listening on " .. srv.url)
