-- http_two_servers.lua: experiment 5 of docs/http.md.
-- One client, two servers: the pool keeps conns per host, so each server
-- gets one conn that carries all the requests sent to it.
--   netplay run scripts/examples/http_two_servers.lua
local function server(name)
  return assert(http.listen("http://127.0.0.1:0", function(req)
    print(("server %s: %s %s on conn %d (request %d on this conn)"):format(name, req.method, req.path, req.conn_id, req.n))
    return 200, nil, "hello from " .. name .. "\n"
  end))
end
local a, b = server("A"), server("B")

local cl = http.client{trace = true}
for i = 1, 3 do
  assert(cl:get(a.url .. "/" .. i))
  assert(cl:get(b.url .. "/" .. i))
end
for _, srv in ipairs({a, b}) do
  local s = cl:stats()[srv.url]
  print(("client: %s: opened %d conn, reused %d times, %d idle"):format(srv.url, s.opened, s.reused, s.idle))
end
a:close()
b:close()
