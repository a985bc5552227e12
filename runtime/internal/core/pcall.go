package core

import (
	"strings"

	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// gopher-lua cannot yield across its Go-level pcall: a sleep or c:receive
// inside pcall would break the coroutine. On the script and loop VMs pcall
// and xpcall are therefore rebuilt on coroutines (the coxpcall technique): f
// runs in a coroutine of its own and every yield from it is passed up to the
// enclosing one, so blocking-looking calls work inside pcall. The threads
// are pooled like the scheduler's (a trampoline runs f, yields a private
// marker with the results, and waits for the next f), so a pcall costs two
// resumes rather than a new thread. xpcall's handler runs after the failed
// call has unwound (a traceback taken in it shows the caller's stack).
const pcallSrc = `local create, resume, yield = coroutine.create, coroutine.resume, coroutine.yield
local native_pcall, register, unregister, blame = ...
local PDONE = {}
local free, nfree, MAXFREE = {}, 0, 64
local function loop(f, ...)
  return loop(yield(PDONE, f(...)))
end
local function finish(co, ok, tag, ...)
  if not ok then
    unregister(co)
    return false, blame(tag)
  end
  if tag == PDONE then
    unregister(co)
    if nfree < MAXFREE then
      nfree = nfree + 1
      free[nfree] = co
    end
    return true, ...
  end
  return finish(co, resume(co, yield(tag, ...)))
end
local function pcall(f, ...)
  if type(f) ~= "function" then return native_pcall(f, ...) end
  local co
  if nfree > 0 then
    co = free[nfree]
    free[nfree] = nil
    nfree = nfree - 1
  else
    co = create(loop)
  end
  register(co)
  return finish(co, resume(co, f, ...))
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
		// the thread came from coroutine.create, so it already runs under
		// the VM's budget itself (budget.ownThreads), not a child context
		// that would stay cancelled after a trip
		s.pcallParent[L.CheckThread(1)] = L
		return 0
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		delete(s.pcallParent, L.CheckThread(1))
		return 0
	}))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		// a Go function f called directly raised with this chunk's
		// position: name the line of the user's pcall instead
		e := L.Get(1)
		if msg, ok := e.(lua.LString); ok && strings.HasPrefix(string(msg), "netplay.pcall:") {
			if i := strings.Index(string(msg), ": "); i >= 0 {
				e = lua.LString(luautil.CallerWhere(L) + string(msg)[i+1:])
			}
		}
		L.Push(e)
		return 1
	}))
	L.Call(4, 2)
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
