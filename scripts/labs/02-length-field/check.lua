-- Lab 2 checker: frames are a 2-byte big-endian length and that many bytes;
-- the server answers each with the same bytes upper-cased; frames over
-- 1024 bytes (header included) close that conn only.
local f = check.frame16 -- f("hello") == "\0\5hello"

check.stage{name = "one frame gets one answer",
  hint = "a binary frame has no line end: frame by the length field with " ..
    "codec = codec.length_field{length_field_length = 2}",
  run = function()
    local c = check.connect()
    c:write(f("hello"))
    c:expect_bytes(f("HELLO"), {what = "answer to the frame \"hello\"", expected_how = "a 2-byte length, then HELLO"})
    c:close()
  end}

check.stage{name = "two frames in one write",
  hint = "one read can hold several frames: let codec.length_field cut them " ..
    "instead of reading one header per read",
  run = function()
    local c = check.connect()
    c:write(f("ping") .. f("pong"))
    c:expect_bytes(f("PING"), {what = "answer to the first frame"})
    c:expect_bytes(f("PONG"), {what = "answer to the second frame"})
    c:close()
  end}

check.stage{name = "a frame split into one-byte writes, header included",
  hint = "even the 2-byte length can arrive in two reads: keep bytes until the " ..
    "whole frame is there (codec.length_field does)",
  run = function()
    local c = check.connect()
    c:write_split(f("split"), 1, 0.005)
    c:expect_bytes(f("SPLIT"), {what = "answer to a frame sent byte by byte"})
    c:close()
  end}

check.stage{name = "binary payloads: newlines, zero bytes, 300 and 1022 bytes",
  hint = "the length field says how long the payload is, whatever bytes it holds; " ..
    "with max_frame_length = 1024 the largest payload is 1022 bytes (the limit counts the header)",
  run = function()
    local c = check.connect()
    local bin300 = ("a\n\0b\r\n"):rep(50)
    c:write(f(bin300))
    c:expect_bytes(f(bin300:upper()), {what = "answer to a 300-byte binary payload"})
    local big = ("x"):rep(1022)
    c:write(f(big))
    c:expect_bytes(f(big:upper()), {what = "answer to a 1022-byte payload (a 1024-byte frame)"})
    c:close()
  end}

check.stage{name = "a frame over 1024 bytes closes that conn only, saying why",
  hint = "set max_frame_length = 1024 in codec.length_field: a too long frame then " ..
    "closes its conn with \"too_long_frame: … > max_frame_length 1024\", and print the error in on_close",
  run = function()
    local ok = check.connect{name = "good"}
    ok:write(f("before"))
    ok:expect_bytes(f("BEFORE"))
    local bad = check.connect{name = "bad"}
    bad:write(check.u16(5000) .. ("y"):rep(100))
    bad:expect_closed(1, {what = "the server kept the conn open after a header announcing 5000 bytes"})
    check.expect_output("max_frame_length 1024", 1, {what = "your on_close printing the limit",
      hint = "print the err on_close gets: it names the limit"})
    ok:write(f("after"))
    ok:expect_bytes(f("AFTER"), {what = "answer on the other conn", hint = "only the conn with the bad frame may close"})
    ok:close()
  end}
