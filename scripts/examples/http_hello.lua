-- http_hello.lua: a "hello" server for curl, wrk, ab or a browser, on the
-- script VM (or on loop VMs with `netplay run http_hello.lua PORT loop`).
--   netplay run scripts/examples/http_hello.lua [PORT] [script|loop]
--   curl -v http://127.0.0.1:8080/ http://127.0.0.1:8080/   (see "Re-using existing connection")
local port = arg and arg[1] or "8080"
local mode = arg and arg[2] or "script"
local headers = {["Content-Type"] = "text/plain"}   -- built once (see http_hello_handler.lua)
local srv
if mode == "loop" then
  srv = assert(http.listen("http://127.0.0.1:" .. port, {vm = "loop", handler = "http_hello_handler.lua"}))
else
  srv = assert(http.listen("http://127.0.0.1:" .. port, function(req)
    return 200, headers, "hello\n"
  end))
end
print(("http hello (%s VM) listening on %s; try curl -v %s/"):format(mode, srv.addr, srv.url))
