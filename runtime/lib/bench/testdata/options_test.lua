-- strict options: bench.run names a mistyped key and the closest valid one
local function err_of(f, ...)
  local ok, e = pcall(f, ...)
  t:ok(not ok, "raised")
  return tostring(e)
end
local function has(e, want)
  t:ok(e:find(want, 1, true), "want " .. want .. ", got " .. e)
end
has(err_of(bench.run, {urll = "tcp://127.0.0.1:1"}), "bench.run: unknown option 'urll' (did you mean 'url'?)")
has(err_of(bench.run, {url = "tcp://127.0.0.1:1", dept = 2}), "bench.run: unknown option 'dept' (did you mean 'depth'?)")
has(err_of(bench.run, {url = "tcp://127.0.0.1:1", c = "4"}), "bench.run: option 'c' must be an integer, got string")
has(err_of(bench.run, {url = "tcp://127.0.0.1:1", verify = 1}), "bench.run: option 'verify' must be a boolean, got number")
t:ok(err_of(bench.run, {urll = "x"}):find("options_test.lua:%d+:"), "names the caller's line")
