-- a handler with a syntax error: net.listen must refuse it at once
return {on_message = function(c, m) c:send(m) end
