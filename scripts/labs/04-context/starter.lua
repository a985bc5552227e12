-- Lab 4: deadlines and cancellation with context.
-- A client asks for a job: "job ID WORK DEADLINE" (seconds). The work takes
-- WORK seconds; the answer must come by DEADLINE: "ID done", or at the
-- deadline "ID cancelled: context deadline exceeded". A client that leaves
-- cancels its job, and the server prints "ID cancelled: context canceled".
--   netplay run starter.lua [URL]        check it: netplay lab check context
local url = arg[1] or "tcp://127.0.0.1:7004"

local srv = assert(net.listen(url, {
  codec = codec.line(),
  on_message = function(c, line)
    local id, work, deadline = line:match("^job (%S+) ([%d.]+) ([%d.]+)$")
    if not id then return c:send("error: expected job ID WORK DEADLINE") end
    -- TODO: the deadline. sleep() cannot be stopped once it started.
    sleep(tonumber(work))        -- the slow work
    c:send(id .. " done")
  end,
}))
print("job server listening on " .. srv.url)
