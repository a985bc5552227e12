-- http_idle_timeout.lua: experiment 4 of docs/http.md.
-- Go's Server{IdleTimeout: 1 * time.Second}: a burst of requests reuses one
-- conn; after a pause longer than the idle timeout the server has closed
-- it, and the next request goes out on a new conn.
--   netplay run scripts/examples/http_idle_timeout.lua
local srv = assert(http.listen("http://127.0.0.1:0", function(req)
  print(("server: %s %s on conn %d (request %d on this conn)"):format(req.method, req.path, req.conn_id, req.n))
  return 200, nil, "hello\n"
end, {idle_timeout = 1}))

local cl = http.client{trace = true}
for i = 1, 3 do
  assert(cl:get(srv.url .. "/burst" .. i))
end
print("client: pausing 1.5 s, longer than the server's idle_timeout")
sleep(1.5)
local res = assert(cl:get(srv.url .. "/after-pause"))
print(("client: after the pause: reused = %s"):format(tostring(res.reused)))
srv:close()
