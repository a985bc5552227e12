-- Lab 4 checker: "job ID WORK DEADLINE" is answered "ID done" or, at the
-- deadline, "ID cancelled: context deadline exceeded"; a client that leaves
-- cancels its job. The checker measures when each answer comes.
local SLACK = 0.2 -- how late past a deadline an answer may come

local function on_time(c, expected, by, what, hint)
  local took = check.measure(function()
    c:expect_line(expected, {what = what, seconds = 3})
  end)
  if took > by + SLACK then
    check.fail{message = what .. " came too late", expected = string.format("within %.2f s (the deadline %.2f s + %.2f s)", by + SLACK, by, SLACK),
      got = string.format("after %.2f s", took), expected_raw = true, got_raw = true, hint = hint}
  end
  check.note(string.format("%s came after %.2f s", what, took))
  return took
end

check.stage{name = "a slow job is cut off at its deadline",
  hint = "run the work under ctx = context.with_timeout(c.ctx, deadline) with pool.run(ctx, fn, …): " ..
    "it raises \"context deadline exceeded\" when the deadline passes (catch it with pcall)",
  timeout = 5,
  run = function()
    local c = check.connect()
    c:write("job a 2 0.2\n")
    c:expect_line("a cancelled: context deadline exceeded\n", {what = "answer to job a (2 s of work, deadline 0.2 s)", seconds = 3})
    c:close()
  end}

check.stage{name = "a fast job finishes before its deadline",
  hint = "when the work ends first, answer \"ID done\"",
  run = function()
    local c = check.connect()
    c:write("job b 0.05 1\n")
    on_time(c, "b done\n", 0.05, "answer to job b (0.05 s of work, deadline 1 s)")
    c:close()
  end}

check.stage{name = "the deadline answer comes on time",
  hint = "checking ctx:err() after the work is too late: the work itself must stop at the deadline " ..
    "(pool.run(ctx, …) stops waiting as soon as ctx is done)",
  run = function()
    local c = check.connect()
    c:write("job c 1 0.3\n")
    local took = on_time(c, "c cancelled: context deadline exceeded\n", 0.3, "answer to job c (1 s of work, deadline 0.3 s)")
    if took < 0.3 - 0.02 then
      check.fail{message = "the answer came before the deadline", expected = "after 0.30 s", got = string.format("after %.2f s", took),
        expected_raw = true, got_raw = true}
    end
    c:close()
  end}

check.stage{name = "a client that goes away cancels its job",
  hint = "make the job's context a child of c.ctx (cancelled when the conn closes) and run the job as its own " ..
    "coroutine, timer.after(0.001, fn), so the handler returns: a conn's close reaches the script only " ..
    "once its running handler has returned",
  run = function()
    local c = check.connect()
    c:write("job d 2 5\n")
    check.note("the client waits 0.1 s, then closes the conn")
    sleep(0.1)
    c:close()
    local t0 = check.now()
    check.expect_output("d cancelled: context canceled", 0.5)
    check.note(string.format("printed %.2f s after the close", check.now() - t0))
  end}

check.stage{name = "three clients at once, each job with its own deadline",
  hint = "each conn's job has its own context; nothing may wait for another conn's job",
  run = function()
    local t0 = check.now()
    local jobs = {
      {"job e1 1 0.2\n", "e1 cancelled: context deadline exceeded\n", 0.2},
      {"job e2 0.1 1\n", "e2 done\n", 0.1},
      {"job e3 1 0.4\n", "e3 cancelled: context deadline exceeded\n", 0.4},
    }
    local fns = {}
    for i, j in ipairs(jobs) do
      fns[i] = function()
        local c = check.connect{name = "client " .. i}
        c:write(j[1])
        c:expect_line(j[2], {what = "answer to " .. j[1]:gsub("\n", ""), seconds = 2})
        local took = check.now() - t0
        if took > j[3] + SLACK then
          check.fail{message = "the answer to " .. j[1]:gsub("\n", "") .. " came too late",
            expected = string.format("within %.2f s", j[3] + SLACK), got = string.format("after %.2f s", took),
            expected_raw = true, got_raw = true}
        end
        c:close()
      end
    end
    check.parallel(fns, 4)
  end}
