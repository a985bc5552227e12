-- Lab 2, a typical wrong solution: read the length field of each raw chunk
-- by hand. It answers one frame per read, so two frames in one read lose
-- the second one (stage 2).
local url = arg[1] or "tcp://127.0.0.1:7002"

local srv = assert(net.listen(url, {
  codec = codec.raw(),
  on_message = function(c, chunk)
    local payload = bin.unpack(">s2", chunk)
    c:write(bin.pack(">s2", payload:upper()))
  end,
  on_close = function(c, err)
    print("conn " .. c.id .. " closed: " .. (err or "clean"))
  end,
}))
print("length-field server listening on " .. srv.url)
