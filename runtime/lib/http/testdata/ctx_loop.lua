-- A loop-VM handler that keeps req.ctx and checks it after its reply
-- (ctx_test.go); what it sees goes to the shared dict "ctx".
local d = shared.dict('ctx')
return function(req)
  local kept = req.ctx
  d:set('during' .. req.n, tostring(kept:err()))
  timer.after(0.05, function() d:set('later' .. req.n, tostring(kept:err())) end)
  return 200, nil, 'ok'
end
