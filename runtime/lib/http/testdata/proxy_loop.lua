-- A loop-VM handler that fetches from the backend named in the shared dict
-- "proxy" (client_loop_test.go): its cl:get suspends the handler, not the
-- loop.
local backend = shared.dict('proxy'):get('backend')
return function(req)
  local res, err = http.get(backend .. req.path)
  if not res then return 502, nil, err end
  return 200, nil, res.body .. '|' .. res['local'] .. '|' .. tostring(res.reused)
end
