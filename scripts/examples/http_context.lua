-- http_context.lua: a deadline set by the client cancels work on the server.
-- The client gives up after 0.3 s; its conn closes, and req.ctx on the
-- server is done, so the slow handler stops instead of working on for
-- nobody (the context article's lesson).
--   netplay run scripts/examples/http_context.lua
local srv = assert(http.listen("http://127.0.0.1:0", function(req)
  for step = 1, 20 do                      -- 20 steps of 0.1 s of "work"
    if req.ctx:err() then
      print(("server: stopped at step %d: %s"):format(step, req.ctx:err()))
      return 503
    end
    sleep(0.1)
  end
  print("server: finished all the work")
  return 200, nil, "done\n"
end))

local ctx = context.with_timeout(context.background(), 0.3)
local res, err = http.client():get(srv.url .. "/slow", {ctx = ctx})
print(("client: res = %s, err = %s"):format(tostring(res), tostring(err)))
sleep(0.3)                                 -- let the server notice
srv:close()
