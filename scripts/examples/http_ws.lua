-- http_ws.lua: one http.listen server with a page at / and a WebSocket at
-- /ws on the same port. The handler answers plain requests as HTTP and
-- hands an upgrade request's conn to the ws module with ws.upgrade (as
-- gorilla/websocket's Upgrader.Upgrade does inside a net/http handler):
-- netplay checks the handshake (400, or 426 for a bad
-- Sec-WebSocket-Version), writes the 101, and from then on the conn speaks
-- WebSocket to on_open/on_message/on_close.
--   netplay run scripts/examples/http_ws.lua [PORT]
--   curl http://127.0.0.1:8090/          (the page)
--   python3 -m websockets ws://127.0.0.1:8090/ws   (type a line: it comes back)
local port = arg and arg[1] or "8090"

local page = [[<!doctype html>
<title>netplay echo</title>
<input id=m placeholder="type and press enter"><pre id=log></pre>
<script>
const ws = new WebSocket("ws://" + location.host + "/ws");
const log = t => document.getElementById("log").textContent += t + "\n";
ws.onmessage = e => log("< " + e.data);
document.getElementById("m").onkeydown = e => {
  if (e.key === "Enter") { ws.send(e.target.value); log("> " + e.target.value); e.target.value = ""; }
};
</script>
]]

local clients = {}  -- open WebSocket conns, by id

local srv = assert(http.listen("http://127.0.0.1:" .. port, function(req)
  if req.path == "/ws" then
    -- The handler's return values are ignored after ws.upgrade: the 101
    -- (or the refusal) is the answer. A refusal also returns nil, err.
    return ws.upgrade(req, {
      subprotocols = {"echo"},
      ping_interval = 30,
      on_open = function(c, r)
        clients[c.id] = c
        print(("ws open: conn %d from %s, protocol %q"):format(c.id, c.remote, r.protocol))
      end,
      on_message = function(c, msg, kind)
        if msg == "bye" then return c:close(4000, "bye") end
        if kind == "binary" then c:send_binary(msg) else c:send(msg) end
      end,
      on_close = function(c, code, reason)
        clients[c.id] = nil
        print(("ws close: conn %d %d %s"):format(c.id, code, reason))
      end,
    })
  end
  if req.path == "/" then
    return 200, {["Content-Type"] = "text/html; charset=utf-8"}, page
  end
  return 404, nil, "not found\n"
end))
print(("http+ws listening on %s: page %s/, WebSocket ws://%s/ws"):format(srv.addr, srv.url, srv.addr))
