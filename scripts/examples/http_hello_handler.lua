-- http_hello_handler.lua: the handler http_hello.lua loads into every loop
-- VM (vm = "loop"): it returns the function that answers each request.
-- The headers table is built once, not per request: a Lua table with
-- string keys costs several allocations, about as much as the rest of a
-- small request's Lua work (docs/benchmarks.md, "HTTP hello").
local headers = {["Content-Type"] = "text/plain"}
return function(req)
  return 200, headers, "hello\n"
end
