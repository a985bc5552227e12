-- Lab 6: HTTP keep-alive you can see from the client's side.
-- GET / answers 200 "request N on this conn\n" (N: the requests this conn
-- has carried, this one included); conns stay open between requests, an
-- idle conn is closed after 1 s, a conn carries at most 8 requests;
-- POST /keep-alive/off and POST /keep-alive/on switch keep-alive.
--   netplay run starter.lua [URL]      then: curl -v http://127.0.0.1:7006/ http://127.0.0.1:7006/
--   check it: netplay lab check keep-alive
local url = (arg[1] or "tcp://127.0.0.1:7006"):gsub("^tcp:", "http:")

local srv
srv = assert(http.listen(url, function(req)
  if req.method == "GET" and req.path == "/" then
    -- TODO: say which request of its conn this is
    return 200, {["Content-Type"] = "text/plain"}, "hello\n"
  end
  return 404, {}, "no such page: " .. req.method .. " " .. req.path .. "\n"
end, {
  -- TODO: the idle timeout and the requests per conn the lesson asks for
}))
print("http server listening on " .. srv.url)
