-- Lab 8 checker: "hit KEY" -> "KEY N", "get KEY" -> "KEY N", "vm" -> "vm ID";
-- counts must be exact across loop VMs and under concurrent load.
local function ask(c, line, want, what)
  c:write(line .. "\n")
  return c:expect_line(want .. "\n", {what = what or ("answer to " .. line), seconds = 2})
end

check.stage{name = "counts from several conns add up",
  hint = "each loop VM loads its own copy of the handler, locals and all: a Lua table counts one loop's hits only. " ..
    "Keep the counts in shared.dict(\"name\"), which every VM of the process shares",
  run = function()
    for i = 1, 4 do
      local c = check.connect{name = "conn " .. i}
      for n = 1, 3 do
        c:write("hit apples\n")
        local got = c:read_until("\n", 2)
        check.note("hit " .. n .. " on conn " .. i .. ": " .. check.escape(got or "nothing"))
      end
      c:close()
    end
    local c = check.connect{name = "conn 5"}
    check.eventually(0.5, function()
      c:write("get apples\n")
      local got, partial = c:read_until("\n", 1)
      return got == "apples 12\n", got or partial
    end, {what = "the count of apples after 4 conns hit it 3 times each being 12",
      expected = "apples 12\n", expected_how = "one line", every = 0.05})
    ask(c, "get pears", "pears 0", "count of a key never hit")
    ask(c, "hit pears", "pears 1")
    c:close()
  end}

check.stage{name = "the server runs on more than one loop VM",
  hint = "listen with vm = \"loop\", loops = 2 and a handler file; give each loop VM a number when it " ..
    "loads the handler: shared.dict(\"vms\"):incr(\"n\", 1) at the top of the file runs once per loop VM",
  run = function()
    local ids, distinct, list = {}, 0, {}
    for i = 1, 4 do
      local c = check.connect{name = "conn " .. i}
      c:write("vm\n")
      local got, partial = c:read_until("\n", 2)
      local id = got and got:match("^vm (%S+)\n$")
      if not id then
        check.fail{message = "wrong answer to vm", expected = "vm ID\n", got = got or partial, expected_how = "a line \"vm \" and an id"}
      end
      if not ids[id] then ids[id] = true; distinct = distinct + 1 end
      list[#list + 1] = id
      c:close()
    end
    if distinct < 2 then
      check.fail{message = "4 conns were all served by the same VM",
        expected = "at least 2 different ids", got = "ids " .. table.concat(list, ", "),
        expected_raw = true, got_raw = true}
    end
    check.note("4 conns were served by VMs " .. table.concat(list, ", "))
  end}

check.stage{name = "8 clients hit one key 150 times each, at once: no hit is lost",
  hint = "every hit must take its number from the shared counts at once: d:incr(key, 1) adds in one step " ..
    "and returns the new count. Counts kept per loop, or read and then written back, hand out a number twice",
  timeout = 8,
  run = function()
    local seen, dup, total, finished = {}, nil, 0, 0
    local fns = {}
    for i = 1, 8 do
      fns[i] = function()
        local c = check.connect{name = "client " .. i}
        c:write(("hit load\n"):rep(150))
        for _ = 1, 150 do
          local got, partial, why = c:read_until("\n", 3)
          if not got then
            check.fail{message = "client " .. i .. " got too few answers", expected = "load N\n", got = partial, got_how = why}
          end
          local n = tonumber(got:match("^load (%d+)\n$"))
          if not n then check.fail{message = "wrong answer to hit load", expected = "load N\n", got = got, expected_how = "N a number"} end
          if seen[n] and not dup then dup = n end
          seen[n] = true
          total = total + 1
        end
        -- every conn stays open until all have their answers: the hits
        -- are concurrent, whatever the machine's load
        finished = finished + 1
        local deadline = check.now() + 5
        while finished < 8 and check.now() < deadline do sleep(0.005) end
        c:close()
      end
    end
    check.parallel(fns, 7)
    check.note(total .. " answers read")
    if dup then
      check.fail{message = "two hits got the same number " .. dup, expected = "every number from 1 to 1200 once",
        got = "number " .. dup .. " twice", expected_raw = true, got_raw = true}
    end
    local c = check.connect{name = "counter"}
    c:write("get load\n")
    c:expect_line("load 1200\n", {what = "count after 8 x 150 hits", seconds = 2})
    c:close()
  end}
