-- Lab 1, a typical wrong solution: split each raw chunk on "\n" by hand.
-- Two lines in one read now work (stage 2), but the text after the last
-- "\n" of a read is thrown away instead of kept for the next read, so a
-- line that arrives in pieces is lost (stage 3).
local url = arg[1] or "tcp://127.0.0.1:7001"

local srv = assert(net.listen(url, {
  codec = codec.raw(),
  on_message = function(c, msg)
    for line in msg:gmatch("([^\n]*)\n") do
      line = line:gsub("\r$", "")
      c:write(#line .. " " .. line .. "\n")
    end
  end,
}))
print("framing server listening on " .. srv.url)
