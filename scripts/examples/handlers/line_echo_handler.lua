-- A loop-VM handler for line_echo.lua: every line comes back as it arrived
-- (codec.line strips the '\n' and c:send puts it back).
return {
  on_message = function(c, line) c:send(line) end,
}
