-- http_keepalive.lua: HTTP keep-alive, experiment 1 of docs/http.md.
-- By default a client keeps its conn open after a response and sends the
-- next request on it: five requests, one conn.
--   netplay run scripts/examples/http_keepalive.lua
local srv = assert(http.listen("http://127.0.0.1:0", function(req)
  print(("server: %s %s on conn %d (request %d on this conn)"):format(req.method, req.path, req.conn_id, req.n))
  return 200, nil, "hello\n"
end))

local cl = http.client{trace = true}   -- trace: one line per request
for i = 1, 5 do
  assert(cl:get(srv.url .. "/" .. i))
end
local s = cl:stats()[srv.url]
print(("client: opened %d conn, reused it %d times"):format(s.opened, s.reused))
srv:close()
