-- strict options: http.listen, http.client and every request's option
-- table reject an unknown key, naming the closest valid one
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  t:ok(not ok, "raised")
  return tostring(e)
end
local function has(e, want)
  t:ok(e:find(want, 1, true), "want " .. want .. ", got " .. e)
end
local h = function() return 200, nil, "ok" end
has(err_of(http.listen, "http://127.0.0.1:0", h, {idle_timout = 1}),
  "http.listen: unknown option 'idle_timout' (did you mean 'idle_timeout'?)")
has(err_of(http.listen, "http://127.0.0.1:0", h, {max_conns = "x"}),
  "http.listen: option 'max_conns' must be an integer, got string")
has(err_of(http.listen, "http://127.0.0.1:0", {vm = "loop", hander = "h.lua"}),
  "http.listen: unknown option 'hander' (did you mean 'handler'?)")
has(err_of(http.client, {max_idle_con = 1}),
  "http.client: unknown option 'max_idle_con' (did you mean 'max_idle_conns'?)")
has(err_of(http.client, {follow_redirects = 1}),
  "http.client: option 'follow_redirects' must be a boolean, got number")
local srv = assert(http.listen("http://127.0.0.1:0", h, {idle_timeout = 1}))
local cl = http.client{max_idle_conns = 1}
has(err_of(cl.get, cl, srv.url, {timout = 1}), "cl:get: unknown option 'timout' (did you mean 'timeout'?)")
has(err_of(cl.post, cl, srv.url, "x", {header = {}}), "cl:post: unknown option 'header' (did you mean 'headers'?)")
has(err_of(cl.request, cl, {url = srv.url, methd = "GET"}), "cl:request: unknown option 'methd' (did you mean 'method'?)")
has(err_of(http.get, srv.url, {timeot = 1}), "http.get: unknown option 'timeot' (did you mean 'timeout'?)")
has(err_of(http.post, srv.url, "x", {ctxx = 1}), "http.post: unknown option 'ctxx' (did you mean 'ctx'?)")
has(err_of(http.get, srv.url, {ctx = 5}), "http.get: option 'ctx' must be a context, got number")
-- the error points at this file, not at netplay's chunks
t:ok(err_of(http.get, srv.url, {timeot = 1}):find("options_test.lua:%d+:"), "names the caller's line")
-- valid options still work
local res = assert(cl:request{method = "GET", url = srv.url, headers = {["X-A"] = "1"}, timeout = 5})
t:eq(res.body, "ok", "a checked request runs")
t:eq(http.get(srv.url, {timeout = 5}).body, "ok", "http.get with options")
srv:close()
