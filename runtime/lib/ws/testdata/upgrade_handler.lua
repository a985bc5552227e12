-- The http.listen handler of upgrade_test.go (script VM and loop VMs):
-- /chat upgrades to an echo that closes with 4002 on "bye" and records
-- close codes in the global closes; any other path answers "page <path>".
return function(req)
  if req.path == '/chat' then
    return ws.upgrade(req, {
      subprotocols = {'chat'},
      on_open = function(c, r) opened = (opened or 0) + 1; last_proto = r.protocol end,
      on_message = function(c, msg, kind)
        if msg == 'bye' then return c:close(4002, 'server bye') end
        if kind == 'binary' then c:send_binary(msg) else c:send(msg) end
      end,
      on_close = function(c, code, reason) closes = closes or {}; closes[#closes+1] = code end,
    })
  end
  return 200, nil, 'page ' .. req.path
end
