-- Lab 3 checker: PING, ECHO, SET/GET, SET … PX expiry, pipelined and
-- concurrent clients in raw RESP, then redis-cli (when installed).
local cmd = check.resp_command -- cmd("SET", "k", "v") == "*3\r\n$3\r\nSET\r\n…"

check.stage{name = "PING answers +PONG",
  hint = "every RESP reply ends with \\r\\n; c:send({ok = \"PONG\"}) lets codec.resp() write \"+PONG\\r\\n\"",
  run = function()
    local c = check.connect()
    c:write(cmd("PING"))
    c:expect_resp("+PONG\r\n", {what = "reply to PING"})
    c:close()
  end}

check.stage{name = "ECHO answers a bulk string",
  hint = "ECHO's reply is a bulk string ($3\\r\\nhey\\r\\n): c:send(\"hey\") sends a Lua string as one; " ..
    "{ok = s} is a simple string, for status replies like OK and PONG",
  run = function()
    local c = check.connect()
    c:write(cmd("ECHO", "hey"))
    c:expect_resp("$3\r\nhey\r\n", {what = "reply to ECHO hey"})
    c:write(cmd("ECHO", "two words\r\nand a CRLF"))
    c:expect_resp("$21\r\ntwo words\r\nand a CRLF\r\n", {what = "reply to ECHO of a value with \\r\\n inside"})
    c:close()
  end}

check.stage{name = "SET then GET; GET of a missing key is a null bulk string",
  hint = "keep the values in a Lua table; SET answers {ok = \"OK\"}, GET the value (a bulk string) " ..
    "or nil, which codec.resp() writes as the null bulk string $-1\\r\\n",
  run = function()
    local c = check.connect()
    c:write(cmd("SET", "fruit", "mango"))
    c:expect_resp("+OK\r\n", {what = "reply to SET fruit mango"})
    c:write(cmd("GET", "fruit"))
    c:expect_resp("$5\r\nmango\r\n", {what = "reply to GET fruit"})
    c:write(cmd("GET", "no-such-key"))
    c:expect_resp("$-1\r\n", {what = "reply to GET of a missing key"})
    local other = check.connect{name = "conn 2"}
    other:write(cmd("GET", "fruit"))
    other:expect_resp("$5\r\nmango\r\n", {what = "reply to GET fruit on another conn",
      hint = "all conns share one key space: keep the table outside the handler"})
    c:close(); other:close()
  end}

check.stage{name = "SET … PX 100 expires after 100 ms",
  hint = "SET key value PX ms: remember when the key expires (os.clock() + ms / 1000) " ..
    "and let GET answer nil after that",
  run = function()
    local c = check.connect()
    c:write(cmd("SET", "flash", "gone soon", "PX", "100"))
    c:expect_resp("+OK\r\n", {what = "reply to SET flash … PX 100"})
    c:write(cmd("GET", "flash"))
    c:expect_resp("$9\r\ngone soon\r\n", {what = "reply to GET flash at once", hint = "the key must live until its 100 ms are over"})
    check.note("waiting 150 ms")
    sleep(0.15)
    c:write(cmd("GET", "flash"))
    c:expect_resp("$-1\r\n", {what = "reply to GET flash 150 ms later"})
    c:close()
  end}

check.stage{name = "8 clients at once, 25 pipelined commands each",
  hint = "answer every command of a read, in order; codec.resp() hands on_message one command at a time",
  run = function()
    local clients = {}
    for i = 1, 8 do
      clients[i] = function()
        local c = check.connect{name = "client " .. i}
        local batch, want = {}, {}
        for j = 1, 12 do
          local k, v = "k" .. i .. ":" .. j, ("v"):rep(j) .. i
          batch[#batch + 1] = cmd("SET", k, v) .. cmd("GET", k)
          want[#want + 1] = "+OK\r\n"
          want[#want + 1] = "$" .. #v .. "\r\n" .. v .. "\r\n"
        end
        batch[#batch + 1] = cmd("PING")
        want[#want + 1] = "+PONG\r\n"
        c:write(table.concat(batch))
        for n, w in ipairs(want) do c:expect_resp(w, {what = "reply " .. n .. " of 25 to client " .. i, seconds = 2}) end
        c:close()
      end
    end
    check.parallel(clients, 4)
  end}

check.stage{name = "redis-cli talks to it",
  hint = "redis-cli sends the same RESP commands; run it yourself: redis-cli -p PORT PING",
  run = function()
    local cli = check.which("redis-cli")
    if not cli then check.skip("redis-cli is not installed") end
    local base = {cli, "-h", "127.0.0.1", "-p", tostring(check.port)}
    local function run(...)
      local argv = {unpack(base)}
      for _, a in ipairs({...}) do argv[#argv + 1] = a end
      return (check.exec(argv, 3))
    end
    check.expect(run("PING"), "PONG\n", {what = "redis-cli PING output"})
    check.expect(run("SET", "greeting", "hello world"), "OK\n", {what = "redis-cli SET output"})
    check.expect(run("GET", "greeting"), "hello world\n", {what = "redis-cli GET output"})
    check.expect(run("ECHO", "netplay"), "netplay\n", {what = "redis-cli ECHO output"})
  end}
