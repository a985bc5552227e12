-- A loop-VM handler: each event loop has its own copy of this module (and
-- of `served`); shared.dict is how the loops share a counter.
local served = 0
local total = shared.dict("echo_loops")
return {
  on_message = function(c, msg)
    served = served + 1
    total:incr("messages", 1)
    c:send(msg)
  end,
}
