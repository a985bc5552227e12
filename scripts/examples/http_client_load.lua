-- http_client_load.lua: N coroutines fetching one URL with one http.client
-- for a duration (the client side of bench/run.sh http).
--   netplay run scripts/examples/http_client_load.lua URL [COROUTINES] [SECONDS]
-- Prints one line: "rps=N requests=N errors=N".
local url = assert(arg and arg[1], "usage: http_client_load.lua URL [COROUTINES] [SECONDS]")
local n = tonumber(arg[2] or "50")
local secs = tonumber(arg[3] or "5")
local cl = http.client{max_idle_conns_per_host = n}   -- as the Go side gets
local done, errors, running = 0, 0, n
local t0 = timer.now()
local stop = t0 + secs
for _ = 1, n do
  timer.after(0, function()
    while timer.now() < stop do
      local res = cl:get(url)
      if res and res.status == 200 then done = done + 1 else errors = errors + 1 end
    end
    running = running - 1
  end)
end
while running > 0 do sleep(0.05) end
print(("rps=%.0f requests=%d errors=%d"):format(done / (timer.now() - t0), done, errors))
