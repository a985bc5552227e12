-- Lab 2, a typical wrong solution: the right codec, but the default limit
-- (1 MiB). A client announcing a 5000-byte frame is not refused; the server
-- waits for the rest of it, holding the conn open (stage 5).
local url = arg[1] or "tcp://127.0.0.1:7002"

local srv = assert(net.listen(url, {
  codec = codec.length_field{length_field_length = 2},
  on_message = function(c, payload)
    c:send(payload:upper())
  end,
  on_close = function(c, err)
    print("conn " .. c.id .. " closed: " .. (err or "clean"))
  end,
}))
print("length-field server listening on " .. srv.url)
