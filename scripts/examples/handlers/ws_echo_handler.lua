-- A loop-VM handler for ws_echo.lua: each event loop loads its own copy and
-- runs it inline, on the loop that read the message.
return {
  on_message = function(c, msg, kind)
    if kind == "binary" then c:send_binary(msg) else c:send(msg) end
  end,
}
