-- http_disable_keepalives.lua: experiment 2 of docs/http.md.
-- Go's Transport{DisableKeepAlives: true}: the client sends
-- "Connection: close" with every request, so each one needs a new conn.
--   netplay run scripts/examples/http_disable_keepalives.lua
local srv = assert(http.listen("http://127.0.0.1:0", function(req)
  print(("server: %s %s on conn %d (request %d on this conn), Connection: %s")
    :format(req.method, req.path, req.conn_id, req.n, req.headers.connection or "-"))
  return 200, nil, "hello\n"
end))

local cl = http.client{disable_keep_alives = true, trace = true}
for i = 1, 5 do
  assert(cl:get(srv.url .. "/" .. i))
end
local s = cl:stats()[srv.url]
print(("client: opened %d conns, reused %d"):format(s.opened, s.reused))
srv:close()
