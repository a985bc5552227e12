-- Lab 1, reference solution: codec.line() frames the stream into lines.
local url = arg[1] or "tcp://127.0.0.1:7001"

local srv = assert(net.listen(url, {
  codec = codec.line(),   -- a message is one line, without its "\n" or "\r\n"
  on_message = function(c, line)
    c:send(#line .. " " .. line)   -- c:send appends the "\n"
  end,
}))
print("framing server listening on " .. srv.url)
