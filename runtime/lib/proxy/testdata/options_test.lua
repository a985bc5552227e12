-- strict options: net.proxy, p:set and p:set_conn name a mistyped fault and
-- the closest valid one; a bad on_open result is logged the same way
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  t:ok(not ok, "raised")
  return tostring(e)
end
local function has(e, want)
  t:ok(e:find(want, 1, true), "want " .. want .. ", got " .. e)
end
has(err_of(net.proxy, "tcp://127.0.0.1:0", "tcp://127.0.0.1:9", {latncy = 1}),
  "net.proxy: unknown option 'latncy' (did you mean 'latency'?)")
has(err_of(net.proxy, "tcp://127.0.0.1:0", "tcp://127.0.0.1:9", {on_opn = function() end}),
  "net.proxy: unknown option 'on_opn' (did you mean 'on_open'?)")
has(err_of(net.proxy, "tcp://127.0.0.1:0", "tcp://127.0.0.1:9", {slicer = {average_sise = 4}}),
  "net.proxy: slicer: unknown option 'average_sise' (did you mean 'average_size'?)")
local p = assert(net.proxy("tcp://127.0.0.1:0", "tcp://127.0.0.1:9"))
has(err_of(p.set, p, {jiter = 0.1}), "p:set: unknown option 'jiter' (did you mean 'jitter'?)")
has(err_of(p.set, p, {down = 1}), "p:set: option 'down' must be a boolean, got number")
has(err_of(p.set, p, {latency = true}), "p:set: option 'latency' must be a number or false, got boolean")
has(err_of(p.set_conn, p, 1, {bandwith = 10}), "p:set_conn: unknown option 'bandwith' (did you mean 'bandwidth'?)")
t:ok(err_of(p.set, p, {jiter = 0.1}):find("options_test.lua:%d+:"), "names the caller's line")
-- valid faults still work, false clears
p:set{latency = 0.01, stream = "upstream"}
p:set{latency = false, stream = false}
t:eq(next(p:faults()), nil, "cleared")
p:close()
