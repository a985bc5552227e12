-- a loop-VM handler that dials out: each message is relayed to an upstream
-- server (its address in shared.dict) and the upstream's answer sent back.
local up_addr = shared.dict("relay_test"):get("upstream")
return {
  codec = codec.line(),
  on_message = function(c, msg)
    local up, err = net.connect("tcp://" .. up_addr, {codec = codec.line()})
    if not up then c:send("connect failed: " .. err) return end
    up:send(msg)
    local reply, rerr = up:receive(2)
    up:close()
    c:send(reply or ("no reply: " .. rerr))
  end,
}
