-- line echo on loop VMs (BenchmarkLineEcho)
return {
  codec = codec.line(),
  on_message = function(c, msg) c:send(msg) end,
}
