-- Lab 6, reference solution: keep-alive with an idle timeout, a request
-- limit per conn and a switch.
local url = (arg[1] or "tcp://127.0.0.1:7006"):gsub("^tcp:", "http:")

local srv -- the handler uses it for the switch; it runs after listen returned
srv = assert(http.listen(url, function(req)
  if req.method == "GET" and req.path == "/" then
    return 200, {["Content-Type"] = "text/plain"}, "request " .. req.n .. " on this conn\n"
  elseif req.method == "POST" and (req.path == "/keep-alive/off" or req.path == "/keep-alive/on") then
    local on = req.path == "/keep-alive/on"
    srv:set_keep_alives_enabled(on)
    print("keep-alive " .. (on and "on" or "off"))
    return 200, {}, "keep-alive " .. (on and "on" or "off") .. "\n"
  end
  return 404, {}, "no such page: " .. req.method .. " " .. req.path .. "\n"
end, {
  idle_timeout = 1,            -- seconds a kept-alive conn may sit idle
  max_requests_per_conn = 8,   -- the 8th response says Connection: close
}))
print("http server listening on " .. srv.url)
