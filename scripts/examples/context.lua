-- context.lua: Go's context semantics in Lua (after "Go Concurrency
-- Patterns: Context"): cancelling a parent cancels its children, never the
-- other way round; a deadline cancels a job running on the worker pool.
local root, cancel_root = context.with_cancel(context.background())
local req = context.with_value(root, "request_id", "r-42")
local child, cancel_child = context.with_cancel(req)
local sibling = context.with_cancel(req)

cancel_child()
print("child:", child:err())                     --> context canceled
print("parent after child cancel:", req:err())   --> nil: not upward
print("sibling:", sibling:err())                 --> nil
print("value through the chain:", child:value("request_id"))

cancel_root()
print("sibling after root cancel:", sibling:err()) --> context canceled

-- a deadline cancels a pool job that would run for 10 s
local ctx = context.with_timeout(context.background(), 0.2)
ctx:on_done(function(err) print("on_done:", err) end)
local ok, err = pcall(pool.run, ctx, function()
  sleep(10)          -- blocks this worker VM; the deadline interrupts it
  return "finished"
end)
print("pool job:", ok, err)                      --> false  context deadline exceeded
print("ctx:", ctx:err())
