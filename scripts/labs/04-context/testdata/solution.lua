-- Lab 4, reference solution: the job runs under a context that ends at the
-- deadline or when the conn closes (c.ctx is its parent).
local url = arg[1] or "tcp://127.0.0.1:7004"

local function slow_work(seconds) sleep(seconds) end  -- runs on a worker VM

local srv = assert(net.listen(url, {
  codec = codec.line(),
  on_message = function(c, line)
    local id, work, deadline = line:match("^job (%S+) ([%d.]+) ([%d.]+)$")
    if not id then return c:send("error: expected job ID WORK DEADLINE") end
    local ctx, cancel = context.with_timeout(c.ctx, tonumber(deadline))
    -- the job runs as its own coroutine and the handler returns at once:
    -- netplay hands a conn's close to the script after its running handler
    -- returns, so a handler that waited here would not see the client leave
    timer.after(0.001, function()
      local ok, err = pcall(pool.run, ctx, slow_work, tonumber(work))
      cancel()
      if ok then
        c:send(id .. " done")
      else
        print(id .. " cancelled: " .. err)
        c:send(id .. " cancelled: " .. err)   -- a closed conn just drops it
      end
    end)
  end,
}))
print("job server listening on " .. srv.url)
