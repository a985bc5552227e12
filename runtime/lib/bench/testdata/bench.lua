-- bench.run from Lua: arg[1] is the URL of the Go echo server the test started.
local url = arg[1]

-- a Lua echo server in this very VM: bench.run suspends only its coroutine
local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})
local r = assert(bench.run{url = 'tcp://' .. srv.addr, c = 4, depth = 2, size = 32, n = 500})
assert(r.requests == 500, r.requests)
assert(r.errors == 0 and next(r.errors_by_kind) == nil)
assert(r.mode == 'echo' and r.conns == 4 and r.depth == 2 and r.size == 32)
assert(r.latency_us.p50 > 0 and r.latency_us.p99_9 >= r.latency_us.p50 and r.latency_us.max >= r.latency_us.p99_9)
local bars = 0
for _, b in ipairs(r.histogram) do bars = bars + b.count end
assert(bars == 500, bars)
srv:close()

-- open loop against the Go server
r = assert(bench.run{url = url, c = 2, rate = 1000, d = 0.3})
assert(r.rate == 1000 and r.errors == 0)
assert(r.requests > 200 and r.requests < 400, r.requests)

-- a refused connect is nil, err naming the address
local ok, err = bench.run{url = 'tcp://127.0.0.1:1', c = 1, d = 0.1}
assert(ok == nil and err:match('127.0.0.1:1'), err)

-- misuse raises
local okc, e = pcall(bench.run, {c = 1})
assert(not okc and e:match('url is required'), e)
okc, e = pcall(bench.run, {url = url, mode = 'smtp'})
assert(not okc and e:match('unknown mode'), e)
okc, e = pcall(bench.run, {url = url, d = -1})
assert(not okc and e:match('seconds must be >= 0'), e)
print('bench.lua ok')
