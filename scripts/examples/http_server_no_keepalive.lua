-- http_server_no_keepalive.lua: experiment 3 of docs/http.md.
-- Go's srv.SetKeepAlivesEnabled(false): the client would keep its conn,
-- but the server answers "Connection: close" and closes it after each
-- response, so five requests take five conns.
--   netplay run scripts/examples/http_server_no_keepalive.lua
local srv = assert(http.listen("http://127.0.0.1:0", function(req)
  print(("server: %s %s on conn %d (request %d on this conn)"):format(req.method, req.path, req.conn_id, req.n))
  return 200, nil, "hello\n"
end, {keep_alives_enabled = false}))   -- or later: srv:set_keep_alives_enabled(false)

local cl = http.client{trace = true}
for i = 1, 5 do
  local res = assert(cl:get(srv.url .. "/" .. i))
  assert(res.headers.connection == "close")
end
local s = cl:stats()[srv.url]
print(("client: opened %d conns, reused %d"):format(s.opened, s.reused))
srv:close()
