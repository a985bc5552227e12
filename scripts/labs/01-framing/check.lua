-- Lab 1 checker: the server answers every line with "<length> <line>\n".
local HINT_LINE = "a raw chunk is whatever one read returned, \"\\n\" included; " ..
  "use codec = codec.line(): on_message then gets one line without its \"\\n\""

check.stage{name = "one line gets one answer", hint = HINT_LINE, run = function()
  local c = check.connect()
  c:write("hello\n")
  c:expect_line("5 hello\n", {what = "answer to \"hello\\n\""})
  c:close()
end}

check.stage{name = "two lines in one write (sticky packets)",
  hint = "TCP keeps no write boundaries: one read can hold two lines. " ..
    "Let codec.line() find the line ends instead of treating a read as a line",
  run = function()
    local c = check.connect()
    c:write("one\ntwo\n")
    c:expect_line("3 one\n", {what = "answer to the first line"})
    c:expect_line("3 two\n", {what = "answer to the second line"})
    c:close()
  end}

check.stage{name = "one line written one byte at a time (split packets)",
  hint = "a line can arrive in many reads: keep the bytes after the last \"\\n\" " ..
    "until the rest comes (codec.line() does it for you)",
  run = function()
    local c = check.connect()
    c:write_split("hello world\n", 1, 0.005)
    c:expect_line("11 hello world\n", {what = "answer to a line sent byte by byte"})
    c:close()
  end}

check.stage{name = "half a line gets no answer until its end arrives",
  hint = "answer a line only once its \"\\n\" has arrived",
  run = function()
    local c = check.connect()
    c:write("abc\nde")
    c:expect_line("3 abc\n", {what = "answer to \"abc\""})
    c:expect_silence(0.2, {what = "answered \"de\" before its end arrived", hint = "answer a line only once its \"\\n\" has arrived"})
    c:write("f\n")
    c:expect_line("3 def\n", {what = "answer to \"de\" .. \"f\\n\""})
    c:close()
  end}

check.stage{name = "\\r\\n line ends and an empty line",
  hint = "the \"\\r\" of \"\\r\\n\" is part of the line end, not of the line " ..
    "(codec.line() strips both); an empty line is a line of length 0",
  run = function()
    local c = check.connect()
    c:write("telnet\r\n\n")
    c:expect_line("6 telnet\n", {what = "answer to \"telnet\\r\\n\""})
    c:expect_line("0 \n", {what = "answer to an empty line"})
    c:close()
  end}

check.stage{name = "two clients at once keep their lines apart",
  hint = "each conn has its own stream: never share a buffer between conns",
  run = function()
    local a, b = check.connect{name = "a"}, check.connect{name = "b"}
    a:write("from a, part one ")
    b:write("from b\n")
    b:expect_line("6 from b\n", {what = "answer to b"})
    a:write("and two\n")
    a:expect_line("24 from a, part one and two\n", {what = "answer to a"})
    a:close(); b:close()
  end}
