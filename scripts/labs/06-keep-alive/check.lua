-- Lab 6 checker: an HTTP server's keep-alive, seen from the client's side.
-- Stage 1 speaks raw bytes; the others use netplay's http.client, whose
-- responses say which conn carried them (res.conn_id) and whether it was
-- new or reused (res.reused), as Go's httptrace does.
local base = check.url:gsub("^tcp:", "http:")
local IDLE = 1        -- the idle_timeout the lesson asks for, in seconds
local MAX = 8         -- the max_requests_per_conn it asks for

local function body_for(n) return "request " .. n .. " on this conn\n" end

-- say(res) is one request as a step: what came back and on which conn.
local function say(method, path, res)
  check.note(string.format("%s %s -> %d %s, client conn %d %s%s", method, path, res.status, check.escape(res.body),
    res.conn_id, res.reused and "reused" or "new", res.headers.connection and (", Connection: " .. res.headers.connection) or ""))
end

-- request(cl, method, path) sends one request and fails the stage when no
-- answer comes.
local function request(cl, method, path)
  local res, err
  if method == "POST" then
    res, err = cl:post(base .. path, "", {timeout = 3})
  else
    res, err = cl:get(base .. path, {timeout = 3})
  end
  if not res then
    check.fail{message = method .. " " .. path .. " got no answer: " .. tostring(err),
      hint = "the server must answer within 3 s: look at your script's output for a Lua error"}
  end
  say(method, path, res)
  return res
end

local function expect_body(res, n, what, hint)
  if res.status ~= 200 then
    check.expect(res.status, 200, {what = "status of " .. what, hint = hint})
  end
  check.expect(res.body, body_for(n), {what = "body of " .. what, hint = hint})
end

check.stage{name = "GET / answers 200 and counts the requests of its conn",
  hint = "req.n counts the requests the conn has carried, this one included: " ..
    "answer \"request \" .. req.n .. \" on this conn\\n\"",
  run = function()
    local c = check.connect()
    c:write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    c:expect_line("HTTP/1.1 200 OK\r\n", {what = "status line of the answer to GET /", seconds = 2})
    local head, partial, why = c:read_until("\r\n\r\n", 2)
    if not head then check.fail{message = "the header of the answer did not end: " .. why, got = partial} end
    local len = tonumber(head:lower():match("\ncontent%-length:%s*(%d+)") or head:lower():match("^content%-length:%s*(%d+)"))
    if not len then check.fail{message = "the answer has no Content-Length", got = head} end
    local body = c:read_n(len, 2)
    check.expect(body, body_for(1), {what = "body of the answer to GET /", got_how = len .. " bytes of body (its Content-Length)"})
    c:close()
  end}

check.stage{name = "a burst of 5 requests shares one conn (keep-alive)",
  hint = "HTTP/1.1 keeps a conn open unless someone says Connection: close; " ..
    "keep_alives_enabled = false makes the server say it on every response",
  timeout = 8,
  run = function()
    local cl = http.client()
    local first
    for i = 1, 5 do
      local res = request(cl, "GET", "/")
      first = first or res
      if i > 1 and not res.reused then
        check.fail{message = "request " .. i .. " of the burst went out on a new conn" ..
          (res.headers.connection == "close" and ": the answer before it said Connection: close" or ""),
          expected = "client conn " .. first.conn_id .. " reused", got = "client conn " .. res.conn_id .. " new",
          expected_raw = true, got_raw = true}
      end
      expect_body(res, i, "answer " .. i .. " of the burst")
    end
  end}

check.stage{name = "an idle conn is closed after " .. IDLE .. " s (idle_timeout)",
  hint = "idle_timeout = " .. IDLE .. " (seconds, as all netplay durations) closes a kept-alive conn " ..
    "that carried no request for that long; without it an idle conn stays open for good",
  timeout = 12,
  run = function()
    local cl = http.client()
    local res = request(cl, "GET", "/")
    expect_body(res, 1, "the answer to GET /")
    local t0 = check.now()
    check.note("waiting for the server to close the idle conn (the client's pool drops it when it does)")
    local closed = false
    while check.now() - t0 < IDLE + 4 do
      local st = cl:stats()[base]
      if st == nil or st.idle == 0 then closed = true break end
      sleep(0.01)
    end
    if not closed then
      check.fail{message = string.format("the server kept the idle conn open for %.1f s", check.now() - t0),
        expected = string.format("closed after about %g s", IDLE), got = "still open", expected_raw = true, got_raw = true}
    end
    local took = check.now() - t0
    check.note(string.format("the server closed the idle conn after %.2f s", took))
    if took < IDLE * 0.75 then
      check.fail{message = "the server closed the idle conn too early", expected = string.format("after about %g s", IDLE),
        got = string.format("after %.2f s", took), expected_raw = true, got_raw = true}
    end
    res = request(cl, "GET", "/")
    if res.reused then
      check.fail{message = "the request after the pause went out on the old conn",
        expected = "a new conn", got = "client conn " .. res.conn_id .. " reused", expected_raw = true, got_raw = true}
    end
    expect_body(res, 1, "the answer after the pause", "a new conn starts counting at 1")
  end}

check.stage{name = "POST /keep-alive/off and /keep-alive/on switch keep-alive",
  hint = "srv:set_keep_alives_enabled(false) makes every response say Connection: close and closes the conn " ..
    "after it; declare `local srv` before http.listen so the handler can reach it",
  timeout = 12,
  run = function()
    local cl = http.client()
    local res = request(cl, "POST", "/keep-alive/off")
    check.expect(res.status, 200, {what = "status of the answer to POST /keep-alive/off"})
    for i = 1, 3 do
      res = request(cl, "GET", "/")
      if res.headers.connection ~= "close" then
        check.fail{message = "answer " .. i .. " with keep-alive off lacks Connection: close",
          expected = "Connection: close", got = "Connection: " .. tostring(res.headers.connection),
          expected_raw = true, got_raw = true}
      end
      if res.reused then
        check.fail{message = "request " .. i .. " with keep-alive off went out on a reused conn",
          expected = "a new conn", got = "client conn " .. res.conn_id .. " reused", expected_raw = true, got_raw = true}
      end
      expect_body(res, 1, "answer " .. i .. " with keep-alive off")
    end
    res = request(cl, "POST", "/keep-alive/on")
    check.expect(res.status, 200, {what = "status of the answer to POST /keep-alive/on"})
    local prev
    for i = 1, 3 do
      res = request(cl, "GET", "/")
      if prev and not res.reused then
        check.fail{message = "request " .. i .. " after keep-alive went back on went out on a new conn",
          expected = "client conn " .. prev.conn_id .. " reused", got = "client conn " .. res.conn_id .. " new",
          expected_raw = true, got_raw = true, hint = "srv:set_keep_alives_enabled(true) turns it back on"}
      end
      prev = res
    end
  end}

check.stage{name = "a conn carries at most " .. MAX .. " requests (max_requests_per_conn)",
  hint = "max_requests_per_conn = " .. MAX .. ": the " .. MAX .. "th response says Connection: close " ..
    "and the server closes the conn; the client's next request opens a new one",
  timeout = 12,
  run = function()
    local cl = http.client()
    for i = 1, MAX + 2 do
      local res = request(cl, "GET", "/")
      local n = i <= MAX and i or i - MAX
      if i == MAX + 1 and res.reused then
        check.fail{message = "request " .. i .. " went out on the conn that had carried " .. MAX .. " already",
          expected = "a new conn", got = "client conn " .. res.conn_id .. " reused", expected_raw = true, got_raw = true}
      end
      expect_body(res, n, "answer " .. i)
      local close = res.headers.connection == "close"
      if i == MAX and not close then
        check.fail{message = "answer " .. MAX .. " lacks Connection: close", expected = "Connection: close",
          got = "Connection: " .. tostring(res.headers.connection), expected_raw = true, got_raw = true}
      elseif i < MAX and close then
        check.fail{message = "answer " .. i .. " already says Connection: close", expected = "no Connection: close before answer " .. MAX,
          got = "Connection: close", expected_raw = true, got_raw = true}
      end
    end
  end}
