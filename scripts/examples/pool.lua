-- pool.lua: blocking work goes to the worker pool, so other conns are not
-- stalled. "work N" sleeps N seconds on a worker VM (think: a slow disk or
-- a CPU-heavy hash); "ping" answers at once, even while work is running.
--   netplay run scripts/examples/pool.lua [PORT]
local port = arg and arg[1] or "7003"
local srv = assert(net.listen("tcp://127.0.0.1:" .. port, {
  codec = codec.line(),
  on_message = function(c, line)
    local secs = line:match("^work%s+([%d.]+)")
    if secs then
      local result = pool.run(function(s)
        sleep(s)             -- blocks the worker, not the script VM
        return "done after " .. s .. "s"
      end, tonumber(secs))
      c:send(result)
    else
      c:send("pong")
    end
  end,
}))
print("pool demo listening on " .. srv.addr)
