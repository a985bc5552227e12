-- Lab 2, reference solution: codec.length_field with a limit.
local url = arg[1] or "tcp://127.0.0.1:7002"

local srv = assert(net.listen(url, {
  codec = codec.length_field{
    length_field_length = 2,      -- a 2-byte length (big-endian by default)
    max_frame_length = 1024,      -- header included, as in Netty
  },
  on_message = function(c, payload)
    c:send(payload:upper())       -- c:send writes the 2-byte length first
  end,
  on_close = function(c, err)
    print("conn " .. c.id .. " closed: " .. (err or "clean"))
  end,
}))
print("length-field server listening on " .. srv.url)
