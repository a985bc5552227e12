-- The benchmarks' hello handler on loop VMs (bench_test.go).
return function() return 200, nil, 'hello' end
