-- cancel propagates from a parent to its children, never upward
local root, cancel_root = context.with_cancel(context.background())
local a, cancel_a = context.with_cancel(root)
local a1 = context.with_cancel(a)
local b = context.with_cancel(root)

cancel_a()
t:eq(a:err(), "context canceled", "cancelled ctx")
t:eq(a1:err(), "context canceled", "child of a cancelled ctx")
t:eq(root:err(), nil, "parent not cancelled by child")
t:eq(b:err(), nil, "sibling not cancelled")
cancel_root()
t:eq(b:err(), "context canceled", "root cancel reaches b")
t:ok(b:done(), "done() after cancel")

-- deadlines
local d = context.with_timeout(context.background(), 0.02)
t:eq(d:err(), nil, "not yet expired")
t:ok(d:deadline() > os.time() - 1, "deadline is a unix time")
t:eq(d:wait(), "context deadline exceeded", "wait returns the deadline error")
local child_of_expired = context.with_cancel(d)
t:eq(child_of_expired:err(), "context deadline exceeded", "child of expired ctx")
-- a child's deadline cannot outlive its parent's
local p = context.with_timeout(context.background(), 0.01)
local c = context.with_timeout(p, 60)
t:ok(c:deadline() <= p:deadline() + 1e-6, "child deadline capped by parent")
local past = context.with_deadline(context.background(), os.time() - 1)
t:eq(past:err(), "context deadline exceeded", "deadline in the past")

-- values through the chain
local v1 = context.with_value(context.background(), "user", "ada")
local v2 = context.with_cancel(v1)
local v3 = context.with_value(v2, "req", 7)
local v4 = context.with_value(v3, "user", "grace")
t:eq(v3:value("user"), "ada", "value through a cancel ctx")
t:eq(v3:value("req"), 7, "own value")
t:eq(v4:value("user"), "grace", "nearest value wins")
t:eq(v1:value("req"), nil, "no lookup downward")
local tkey = {}
t:eq(context.with_value(v1, tkey, "t"):value(tkey), "t", "table keys by identity")
t:eq(context.with_value(v1, tkey, "t"):value({}), nil, "another table is another key")

-- on_done runs on this VM
local fired
local od, cancel_od = context.with_cancel(context.background())
od:on_done(function(err) fired = err end)
cancel_od()
sleep(0.01)
t:eq(fired, "context canceled", "on_done fired with err")

t:error(function() context.with_cancel(42) end, "context expected")
