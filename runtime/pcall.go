package runtime

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua cannot yield across its Go-level pcall: a sleep or c:receive
// inside pcall would break the coroutine. On the script and loop VMs pcall
// and xpcall are therefore rebuilt on coroutines (the coxpcall technique): f
// runs in its own coroutine and every yield from it is passed up to the
// enclosing one, so blocking-looking calls work inside pcall. The cost is a
// thread per pcall; xpcall's handler runs after the failed call has unwound
// (a traceback taken in it shows the caller's stack, not the error site).
const pcallSrc = `local create, resume, status, yield = coroutine.create, coroutine.resume, coroutine.status, coroutine.yield
local native_pcall, register, unregister = ...
local function finish(co, ok, ...)
  if status(co) == "dead" then
    unregister(co)
    return ok, ...
  end
  return finish(co, resume(co, yield(...)))
end
local function pcall(f, ...)
  if type(f) ~= "function" then return native_pcall(f, ...) end
  local co = create(f)
  register(co)
  return finish(co, resume(co, ...))
end
local function handle(h, ok, ...)
  if ok then return true, ... end
  return false, h((...))
end
local function xpcall(f, h, ...)
  return handle(h, pcall(f, ...))
end
return pcall, xpcall`

// installPcall replaces pcall and xpcall with yield-transparent versions.
func (s *sched) installPcall() {
	L := s.L
	s.pcallParent = map[*lua.LState]*lua.LState{}
	fn, err := L.Load(strings.NewReader(pcallSrc), "netplay.pcall")
	if err != nil {
		panic(err)
	}
	L.Push(fn)
	L.Push(L.GetGlobal("pcall"))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		s.pcallParent[L.CheckThread(1)] = L
		return 0
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		delete(s.pcallParent, L.CheckThread(1))
		return 0
	}))
	L.Call(3, 2)
	L.SetGlobal("pcall", L.Get(-2))
	L.SetGlobal("xpcall", L.Get(-1))
	L.Pop(2)
}

// reaches reports whether a yield from L reaches co's thread: L is co's
// thread or a pcall coroutine nested in it.
func (s *sched) reaches(L *lua.LState, co *coro) bool {
	for i := 0; i < 256; i++ {
		if L == co.th {
			return true
		}
		p, ok := s.pcallParent[L]
		if !ok {
			return false
		}
		L = p
	}
	return false
}
