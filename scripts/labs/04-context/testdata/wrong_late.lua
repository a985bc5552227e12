-- Lab 4, a typical wrong solution: look at the deadline after the work.
-- The reply says the right thing, but only once the work is over, long
-- after the deadline (stage 3 measures it).
local url = arg[1] or "tcp://127.0.0.1:7004"

local srv = assert(net.listen(url, {
  codec = codec.line(),
  on_message = function(c, line)
    local id, work, deadline = line:match("^job (%S+) ([%d.]+) ([%d.]+)$")
    if not id then return c:send("error: expected job ID WORK DEADLINE") end
    local ctx, cancel = context.with_timeout(c.ctx, tonumber(deadline))
    sleep(tonumber(work))
    local err = ctx:err()
    cancel()
    if err then
      print(id .. " cancelled: " .. err)
      c:send(id .. " cancelled: " .. err)
    else
      c:send(id .. " done")
    end
  end,
}))
print("job server listening on " .. srv.url)
