-- Lab 6, a typical wrong solution: keep-alive turned off "to be safe", so
-- every request pays a new TCP handshake (stage 2).
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
  keep_alives_enabled = false, -- wrong: every response says Connection: close
  idle_timeout = 1,
  max_requests_per_conn = 8,   -- the 8th response says Connection: close
}))
print("http server listening on " .. srv.url)
