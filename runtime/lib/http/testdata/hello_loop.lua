local hits = 0
return function(req)
  hits = hits + 1
  return 200, {['X-Hits'] = hits}, 'hello from a loop VM'
end
