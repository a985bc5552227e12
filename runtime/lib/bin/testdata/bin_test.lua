local function hx(s) return hex.encode(s) end
local cases = {
  -- {fmt, values, expected hex}
  {">I2", {258}, "0102"},
  {"<I2", {258}, "0201"},
  {">i4", {-2}, "fffffffe"},
  {"<i3", {-1}, "ffffff"},
  {"b", {-128}, "80"},
  {"B", {255}, "ff"},
  {">h", {-32768}, "8000"},
  {">H", {65535}, "ffff"},
  {">l", {1}, "0000000000000001"},
  {"<j", {-1}, "ffffffffffffffff"},
  {">J", {2^53}, "0020000000000000"},
  {">T", {7}, "0000000000000007"},
  {">i16", {-1}, string.rep("ff", 16)},
  {">I12", {1}, string.rep("00", 11) .. "01"},
  {">f", {1.5}, "3fc00000"},
  {"<d", {1.5}, "000000000000f83f"},
  {">n", {-2}, "c000000000000000"},
  {">s1", {"hi"}, "026869"},
  {">s2", {""}, "0000"},
  {"<s", {"a"}, "010000000000000061"},
  {"z", {"ab"}, "616200"},
  {"c2", {"ab"}, "6162"},
  {"B x B", {1, 2}, "010002"},
  {">!4 B I4", {1, 2}, "0100000000000002"},
  {">!2 B I4", {1, 2}, "010000000002"},
  {"!8 B Xi4 B", {1, 2}, "0100000002"},
  {"> I2 < I2 = B", {1, 1, 1}, "0001010001"},
}
for _, c in ipairs(cases) do
  local packed = bin.pack(c[1], unpack(c[2]))
  t:eq(hx(packed), c[3], "pack " .. c[1])
  local out = {bin.unpack(c[1], packed)}
  for i, v in ipairs(c[2]) do
    t:eq(out[i], v, "unpack " .. c[1] .. " value " .. i)
  end
  t:eq(out[#c[2] + 1], #packed + 1, "unpack " .. c[1] .. " next position")
end

-- positions
local s = bin.pack(">I2I2I2", 1, 2, 3)
local v, nxt = bin.unpack(">I2", s, 3)
t:eq(v, 2, "unpack from pos")
t:eq(nxt, 5, "next pos")
t:eq((bin.unpack(">I2", s, -2)), 3, "negative pos")
t:eq(hx(bin.pack("c4", "ab")), "61620000", "c pads with zeros")
t:eq(bin.size(">I2 I4 d"), 14, "size")
t:eq(bin.size("!4 B i4"), 8, "size with alignment")
t:eq((bin.unpack(">i2", "\255\254")), -2, "signed unpack")
t:eq((bin.unpack(">I3", "\1\0\0")), 65536, "3-byte unsigned")

-- errors, as Lua 5.3 words them
t:error(function() bin.pack("i17", 1) end, "out of limits [1,16]")
t:error(function() bin.pack("b", 128) end, "integer overflow")
t:error(function() bin.pack("B", -1) end, "unsigned overflow")
t:error(function() bin.pack("i4", 1.5) end, "no integer representation")
t:error(function() bin.pack("z", "a\0b") end, "contains zeros")
t:error(function() bin.pack("s1", string.rep("x", 256)) end, "does not fit")
t:error(function() bin.pack("c2", "abc") end, "longer than given size")
t:error(function() bin.pack("y", 1) end, "invalid format option 'y'")
t:error(function() bin.pack("!3 i4", 1) end, "not power of 2")
t:error(function() bin.pack("X", 1) end, "invalid next option")
t:error(function() bin.pack("c", "a") end, "missing size")
t:error(function() bin.unpack(">I4", "abc") end, "data string too short")
t:error(function() bin.unpack("z", "abc") end, "unfinished string")
t:error(function() bin.unpack(">s1", "\5ab") end, "data string too short")
t:error(function() bin.unpack("B", "a", 3) end, "initial position out of string")
t:error(function() bin.unpack(">i9", "\1\0\0\0\0\0\0\0\0") end, "does not fit into Lua Integer")
t:error(function() bin.size("s") end, "variable-length")
