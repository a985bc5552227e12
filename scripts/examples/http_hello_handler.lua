-- http_hello_handler.lua: the handler http_hello.lua loads into every loop
-- VM (vm = "loop"): it returns the function that answers each request.
return function(req)
  return 200, {["Content-Type"] = "text/plain"}, "hello\n"
end
