-- A loop-VM handler: each event loop loads its own copy of this module, so
-- `served` counts per loop (a global here is per loop too). To share state
-- between loops use shared.dict, e.g. shared.dict("echo"):incr("conns", 1)
-- in on_open; keep it off the per-message path, where it would make the
-- loops contend for one lock.
local served = 0
return {
  on_open = function(c) shared.dict("echo_loops"):incr("conns", 1) end,
  on_message = function(c, msg)
    served = served + 1
    c:send(msg)
  end,
}
