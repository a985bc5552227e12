-- The benchmarks' hello handler that reads req.ctx (bench_test.go).
return function(req)
  if req.ctx:err() then return 503 end
  return 200, nil, 'hello'
end
