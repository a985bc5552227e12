-- The check module: what a lab's check.lua uses to drive the learner's
-- script over real sockets. It is loaded into the checker's own runtime
-- before check.lua, as the global `check` (also require("check")). The Go
-- runner (runtime/lib/lab) calls check._run(i) per stage and formats the
-- record it returns; __lab is the runner's bridge (url, output, liveness).
local lab = __lab
local opt = lab.opts -- strict option tables: opt.stage(t) raises on a typo, naming the closest key
check = {stages = {}} -- a global for check.lua
package.loaded.check = check

check.url, check.addr, check.port = lab.url, lab.addr, lab.port
check.debug = lab.debug

local FAIL = {} -- the error value of a check failure (a record is in cur.failure)
local cur       -- the running stage's record: {steps = {}, failure = nil}

check.now = lab.now
check.escape = lab.escape

-- check.stage{name = "...", hint = "...", timeout = 5, run = function() ... end}
-- registers a stage; stages run in the order they are declared.
function check.stage(t)
  opt.stage(t)
  assert(type(t) == "table" and type(t.name) == "string" and type(t.run) == "function",
    "check.stage{name = ..., run = function() ... end}")
  check.stages[#check.stages + 1] = t
end

local function step(kind, conn, data, text)
  if cur then cur.steps[#cur.steps + 1] = {kind = kind, conn = conn, data = data, text = text} end
end

-- check.note(text) records a step in words ("waiting 0.3 s").
function check.note(text) step("note", nil, nil, text) end

-- check.fail{message =, expected =, got =, expected_how =, got_how =, hint =}
-- (or check.fail(message, {hint = ...})) stops the stage with a failure.
function check.fail(msg, opts)
  if type(msg) == "table" then opt.fail(msg) end
  opt.fail(opts)
  local f = type(msg) == "table" and msg or {message = msg}
  if opts then for k, v in pairs(opts) do f[k] = v end end
  f.hint = f.hint or (cur and cur.hint)
  if cur and not cur.failure then cur.failure = f end
  error(FAIL, 0)
end

-- check.skip(reason) ends the stage as skipped (it counts as passed).
function check.skip(reason)
  if cur then cur.skipped = reason end
  error(FAIL, 0)
end

-- check.expect(got, expected, opts) compares two values (strings byte by
-- byte); opts: what, hint, got_how, expected_how.
function check.expect(got, expected, opts)
  opt.expect(opts)
  if got == expected then return got end
  opts = opts or {}
  check.fail{message = opts.what and ("wrong " .. opts.what) or nil,
    expected = tostring(expected), got = got == nil and "nothing" or tostring(got),
    got_raw = type(got) ~= "string", expected_raw = type(expected) ~= "string",
    expected_how = opts.expected_how, got_how = opts.got_how, hint = opts.hint}
end

-- check.eventually(seconds, fn, opts) calls fn until it returns true (or the
-- deadline passes: a failure with fn's second result as what was got).
function check.eventually(seconds, fn, opts)
  opts = opt.eventually(opts) or {}
  local deadline = check.now() + seconds
  local last
  while true do
    local ok, got = fn()
    if ok then return true end
    last = got
    if check.now() >= deadline then
      check.fail{message = (opts.what or "condition") .. " still not true after " .. seconds .. " s",
        got = last ~= nil and tostring(last) or nil, got_raw = type(last) ~= "string",
        expected = opts.expected, expected_raw = opts.expected_raw or type(opts.expected) ~= "string",
        expected_how = opts.expected_how, hint = opts.hint}
    end
    sleep(opts.every or 0.01)
  end
end

-- check.output() is what the learner's script printed since the stage began.
check.output = lab.output

-- check.expect_output(text, seconds, opts) waits until the learner's script
-- has printed text (a plain substring) in this stage.
function check.expect_output(text, seconds, opts)
  opts = opt.expect_output(opts) or {}
  check.eventually(seconds, function() return check.output():find(text, 1, true) ~= nil end,
    {what = opts.what or ("your script printing " .. check.escape(text)), hint = opts.hint,
     expected = "a line containing " .. check.escape(text), expected_raw = true})
  step("note", nil, nil, "your script printed " .. check.escape(text))
end

-- check.measure(fn, ...) returns the seconds fn took, then fn's results.
function check.measure(fn, ...)
  local t0 = check.now()
  local r = {fn(...)}
  return check.now() - t0, unpack(r)
end

-- check.parallel{fn1, fn2, ...} runs the functions as coroutines at once and
-- waits for all; the first failure (or Lua error) fails the stage.
function check.parallel(fns, seconds)
  local left, err = #fns, nil
  for i, fn in ipairs(fns) do
    timer.after(0.001, function()
      local ok, e = pcall(fn, i)
      if not ok and err == nil then err = e end
      left = left - 1
    end)
  end
  local deadline = check.now() + (seconds or 10)
  while left > 0 and check.now() < deadline do sleep(0.005) end
  if err == FAIL then error(FAIL, 0) end
  if err ~= nil then error(err, 0) end
  if left > 0 then check.fail(left .. " of " .. #fns .. " parallel clients still running after " .. (seconds or 10) .. " s") end
end

-- Byte helpers.
function check.u16(n) return bin.pack(">I2", n) end
function check.frame16(s) return bin.pack(">s2", s) end
-- check.chunks(s, n) splits s into pieces of n bytes.
function check.chunks(s, n)
  local out = {}
  for i = 1, #s, n do out[#out + 1] = s:sub(i, i + n - 1) end
  return out
end
-- check.resp_command("SET", "k", "v") is a RESP array of bulk strings.
function check.resp_command(...)
  local parts = {"*" .. select("#", ...) .. "\r\n"}
  for i = 1, select("#", ...) do
    local a = tostring((select(i, ...)))
    parts[#parts + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
  end
  return table.concat(parts)
end

check.which = lab.which
-- check.exec(argv, seconds) runs a program (redis-cli) and returns its
-- output and exit code ("timeout" when it ran too long).
check.exec = function(argv, seconds)
  local out, code = lab.exec(argv, seconds or 3)
  step("exec", nil, out, table.concat(argv, " ") .. " -> exit " .. tostring(code))
  return out, code
end

-- A client conn of the checker: raw bytes in and out, a buffer of what came
-- back, every byte recorded as a step.
local Client = {}
Client.__index = Client
local nconn = 0

-- check.connect{name =, wait = 3} connects to the learner's server, retrying
-- while the script starts (up to wait seconds, while it is running).
function check.connect(opts)
  opts = opt.connect(opts) or {}
  nconn = nconn + 1
  local name = opts.name or ("conn " .. nconn)
  local deadline = check.now() + (opts.wait or 3)
  while true do
    local c, err = net.connect(check.url, {timeout = 1})
    if c then
      step("connect", name, nil, "connected to " .. check.addr)
      return setmetatable({c = c, buf = "", name = name, eof = false}, Client)
    end
    local alive, status = lab.alive()
    if not alive then
      check.fail{message = "your script exited (" .. status .. ") before it accepted a connection on " .. check.addr,
        hint = "read its output below: a Lua error stops the script, and a script with no server open ends at once"}
    end
    if check.now() >= deadline then
      check.fail{message = "could not connect to " .. check.addr .. " within " .. (opts.wait or 3) .. " s: " .. tostring(err),
        hint = "listen on the URL the checker passes as arg[1]: net.listen(arg[1] or \"tcp://127.0.0.1:7001\", …)"}
    end
    sleep(0.02)
  end
end

-- c:write(bytes) sends bytes as they are, in one write.
function Client:write(s)
  step("send", self.name, s)
  local ok, err = self.c:write(s)
  if not ok then check.fail("write to " .. check.addr .. " failed: " .. tostring(err)) end
end

-- c:write_split(bytes, n, gap) sends bytes n at a time, gap seconds apart.
function Client:write_split(s, n, gap)
  gap = gap or 0.01
  local pieces = check.chunks(s, n)
  step("send", self.name, s, string.format("in %d writes of %d byte%s, %g ms apart", #pieces, n, n == 1 and "" or "s", gap * 1000))
  for i, p in ipairs(pieces) do
    self.c:write(p)
    if i < #pieces then sleep(gap) end
  end
end

-- c:fill(seconds) waits for more bytes; false on timeout or close.
function Client:fill(seconds)
  if self.eof then return false, "closed" end
  local chunk, err = self.c:receive(seconds)
  if chunk then
    step("recv", self.name, chunk)
    self.buf = self.buf .. chunk
    return true
  end
  if err ~= "timeout" then self.eof = true; step("close", self.name, nil, "the server closed the connection") end
  return false, err
end

local function waited(partial, err, seconds)
  if err == "timeout" then
    return (partial == "" and "nothing came back within " or "nothing more within ") .. seconds .. " s"
  end
  return (partial == "" and "" or "then ") .. "the server closed the connection"
end

-- c:read_until(delim, seconds) -> bytes up to and with delim | nil, partial, why
function Client:read_until(delim, seconds)
  seconds = seconds or 1
  local deadline = check.now() + seconds
  while true do
    local i, j = self.buf:find(delim, 1, true)
    if i then
      local out = self.buf:sub(1, j)
      self.buf = self.buf:sub(j + 1)
      return out
    end
    local left = deadline - check.now()
    local ok, err = false, "timeout"
    if left > 0 then ok, err = self:fill(left) end
    if not ok then
      local partial = self.buf
      self.buf = ""
      return nil, partial, waited(partial, err, seconds)
    end
  end
end

-- c:read_n(n, seconds) -> n bytes | nil, partial, why
function Client:read_n(n, seconds)
  seconds = seconds or 1
  local deadline = check.now() + seconds
  while #self.buf < n do
    local left = deadline - check.now()
    local ok, err = false, "timeout"
    if left > 0 then ok, err = self:fill(left) end
    if not ok then
      local partial = self.buf
      self.buf = ""
      return nil, partial, waited(partial, err, seconds)
    end
  end
  local out = self.buf:sub(1, n)
  self.buf = self.buf:sub(n + 1)
  return out
end

-- c:expect_line(expected, opts) reads up to "\n" and compares, "\n" included.
-- opts: seconds (1), what, hint.
function Client:expect_line(expected, opts)
  opts = opt.expect_line(opts) or {}
  local got, partial, why = self:read_until("\n", opts.seconds)
  if got == expected then return got end
  check.fail{message = opts.what and ("wrong " .. opts.what) or nil, expected = expected, got = got or partial,
    expected_how = "one line", got_how = got and "one line, read up to \\n" or (partial == "" and why or ("no \\n, " .. why)), hint = opts.hint}
end

-- c:expect_bytes(expected, opts) reads #expected bytes and compares.
function Client:expect_bytes(expected, opts)
  opts = opt.expect_bytes(opts) or {}
  local got, partial, why = self:read_n(#expected, opts.seconds)
  if got == expected then return got end
  check.fail{message = opts.what and ("wrong " .. opts.what) or nil, expected = expected, got = got or partial,
    expected_how = opts.expected_how, got_how = got and (#expected .. " bytes read") or (partial == "" and why or ("only " .. #partial .. " bytes, " .. why)),
    hint = opts.hint}
end

-- c:expect_silence(seconds, opts): nothing may arrive for seconds.
function Client:expect_silence(seconds, opts)
  opts = opt.expect_silence(opts) or {}
  if self.buf == "" then self:fill(seconds) end
  if self.buf ~= "" then
    check.fail{message = opts.what or ("expected no reply yet, but bytes came back"), expected = "", got = self.buf,
      expected_how = "nothing for " .. seconds .. " s", hint = opts.hint}
  end
end

-- c:expect_closed(seconds, opts): the server must close the conn.
function Client:expect_closed(seconds, opts)
  opts = opt.expect_closed(opts) or {}
  local deadline = check.now() + seconds
  while not self.eof do
    local left = deadline - check.now()
    if left <= 0 then
      check.fail{message = opts.what or ("the server did not close the connection within " .. seconds .. " s"),
        hint = opts.hint}
    end
    local ok = self:fill(left)
    if ok and not opts.allow_data then
      check.fail{message = "expected the server to close the connection, but bytes came back",
        got = self.buf, expected = "", expected_how = "the connection closed", hint = opts.hint}
    end
  end
end

-- RESP: read one value off the stream, keeping its raw bytes.
local resp_kind = {["+"] = "a simple string", ["-"] = "an error", [":"] = "an integer",
  ["$"] = "a bulk string", ["*"] = "an array"}

-- c:read_resp(seconds) -> raw, kind | nil, partial, why
function Client:read_resp(seconds)
  seconds = seconds or 1
  local deadline = check.now() + seconds
  local function need(pos) -- bytes up to a "\r\n" at or after pos
    while true do
      local i = self.buf:find("\r\n", pos, true)
      if i then return i end
      local left = deadline - check.now()
      local ok, err = false, "timeout"
      if left > 0 then ok, err = self:fill(left) end
      if not ok then return nil, err end
    end
  end
  local function need_n(n)
    while #self.buf < n do
      local left = deadline - check.now()
      local ok, err = false, "timeout"
      if left > 0 then ok, err = self:fill(left) end
      if not ok then return nil, err end
    end
    return true
  end
  local function value(pos) -- returns end position, kind
    local e, err = need(pos)
    if not e then return nil, err end
    local t = self.buf:sub(pos, pos)
    local kind = resp_kind[t]
    if not kind then return nil, "bad", "a line starting with " .. check.escape(t) .. ", which is no RESP type" end
    if t == "$" then
      local n = tonumber(self.buf:sub(pos + 1, e - 1))
      if not n then return nil, "bad", "a bulk string with a bad length" end
      if n < 0 then return e + 2, "a null bulk string" end
      local ok, err2 = need_n(e + 3 + n)
      if not ok then return nil, err2 end
      if self.buf:sub(e + 2 + n, e + 3 + n) ~= "\r\n" then return nil, "bad", "a bulk string of " .. n .. " bytes not followed by \\r\\n" end
      return e + 4 + n, kind
    elseif t == "*" then
      local n = tonumber(self.buf:sub(pos + 1, e - 1))
      if not n then return nil, "bad", "an array with a bad length" end
      if n < 0 then return e + 2, "a null array" end
      local p = e + 2
      for _ = 1, n do
        local np, k2, why = value(p)
        if not np then return nil, k2, why end
        p = np
      end
      return p, kind
    end
    return e + 2, kind
  end
  local stop, kind, why = value(1)
  if not stop then
    local partial = self.buf
    self.buf = ""
    if kind == "bad" then return nil, partial, why end
    local t = resp_kind[partial:sub(1, 1)]
    local head = t and ("an incomplete " .. t:gsub("^an? ", "") .. ", ") or ""
    return nil, partial, head .. (kind == "timeout" and ("no \\r\\n within " .. seconds .. " s") or "then the server closed the connection")
  end
  local raw = self.buf:sub(1, stop - 1)
  self.buf = self.buf:sub(stop)
  return raw, kind
end

-- resp_how names what a raw RESP reply is read as.
function check.resp_how(raw)
  if raw:sub(1, 4) == "$-1\r" then return "a null bulk string" end
  return resp_kind[raw:sub(1, 1)] or "no RESP value"
end

-- c:expect_resp(expected_raw, opts) reads one RESP value and compares bytes.
function Client:expect_resp(expected, opts)
  opts = opt.expect_resp(opts) or {}
  local got, partial, why = self:read_resp(opts.seconds)
  if got == expected then return got end
  check.fail{message = opts.what and ("wrong " .. opts.what) or nil, expected = expected, got = got or partial,
    expected_how = check.resp_how(expected), got_how = got and check.resp_how(got) or why, hint = opts.hint}
end

-- c:close() closes the checker's side.
function Client:close()
  if not self.eof then step("close", self.name, nil, "closed by the checker") end
  self.eof = true
  self.c:close()
end

-- check._run(i) runs stage i and returns its record for the runner.
function check._run(i)
  local s = check.stages[i]
  nconn = 0
  cur = {steps = {}, hint = s.hint}
  local ok, err = pcall(s.run)
  if not ok and err ~= FAIL and not cur.failure then
    cur.failure = {message = "the checker stopped: " .. tostring(err),
      hint = "this is a bug in the lab's check.lua, not in your script: please report it"}
  end
  return cur
end

-- check._current() is the running stage's record (after a timeout).
function check._current() return cur end

-- check._list() is {name, hint, timeout} per stage.
function check._list()
  local out = {}
  for i, s in ipairs(check.stages) do out[i] = {name = s.name, hint = s.hint, timeout = s.timeout or 5} end
  return out
end

return check
