-- a loop-VM handler whose patterns are quadratic (or worse) on long input:
-- the budget must stop them inside string.match/string.find
return {
  codec = codec.line(),
  on_message = function(c, msg)
    if msg:sub(1, 4) == "find" then
      c:send(tostring(msg:find(".-.-.-b")))
    else
      c:send("[" .. msg:match("^%s*(.-)%s*$") .. "]")
    end
  end,
}
