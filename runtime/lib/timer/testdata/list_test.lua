-- timer.list and the live tostring
local a = timer.after(30, function() end)
local e = timer.every(0.5, function() end)
local ids = {}
for _, x in ipairs(timer.list()) do ids[x.id] = tostring(x) end
t:ok(ids[a.id] and ids[a.id]:find("^timer %d+ after 30s %(due in %d+%.%d%ds%)$"), tostring(ids[a.id]))
t:ok(ids[e.id] and ids[e.id]:find("^timer %d+ every 0.5s %(next in 0%.%d%ds%)$"), tostring(ids[e.id]))
a:stop()
t:eq(tostring(a):match("%((.*)%)"), "stopped", "stopped timer says so")
for _, x in ipairs(timer.list()) do t:ok(x ~= a, "a stopped timer leaves the list") end
local f = timer.after(0.001, function() end)
local deadline = t:now() + 10
while tostring(f):find("due in") and t:now() < deadline do sleep(0.005) end
t:eq(tostring(f):match("%((.*)%)"), "fired", "fired one-shot says so")
e:stop()
t:eq(#timer.list(), 0, "nothing pending")
