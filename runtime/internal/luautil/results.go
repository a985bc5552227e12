package luautil

import (
	"fmt"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// HiddenChunk names netplay's own Lua chunks (the scheduler's trampoline,
// ExactResults' wrapper); tracebacks leave their frames out.
const HiddenChunk = "netplay.sched"

// Compile compiles one of netplay's own Lua chunks (named HiddenChunk); it
// panics on a syntax error, which is a bug in netplay.
func Compile(src string) *lua.FunctionProto {
	chunk, err := parse.Parse(strings.NewReader(src), HiddenChunk)
	if err != nil {
		panic(fmt.Sprintf("netplay: compiling an internal chunk: %v", err))
	}
	proto, err := lua.Compile(chunk, HiddenChunk)
	if err != nil {
		panic(fmt.Sprintf("netplay: compiling an internal chunk: %v", err))
	}
	return proto
}

// ChunkFunction runs the chunk proto (from Compile) on L with args and
// returns the function it returns: how a hidden chunk that closes over Go
// functions (a dispatch loop over next(c)) is made, once per VM.
func ChunkFunction(L *lua.LState, proto *lua.FunctionProto, args ...lua.LValue) *lua.LFunction {
	L.Push(L.NewFunctionFromProto(proto))
	for _, a := range args {
		L.Push(a)
	}
	L.Call(len(args), 1)
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return fn
}

// exactResultsSrc calls a Go function that may yield from an argument
// list, where Lua takes as many results as come back.
const exactResultsSrc = `local fn = ...
local function pass(...) return ... end
return function(...) return pass(fn(...)) end`

// exactResultsProto is exactResultsSrc compiled once per process; each VM
// makes its functions from it.
var exactResultsProto = sync.OnceValue(func() *lua.FunctionProto { return Compile(exactResultsSrc) })

// ExactResults wraps fn, a Go function that may suspend through
// host.VM.Await, in a Lua function. gopher-lua resumes a yielded Go call
// by placing the resume values in the caller's result registers without
// padding them: a caller that asked for more values than came back (local
// msg, err = c:receive()) would see stale registers. Called through the
// wrapper, fn always sits at a call site that takes all its results, and
// the wrapper's own return pads and truncates as Lua does. An error fn
// raises names the user's file:line, never the wrapper's chunk.
func ExactResults(L *lua.LState, fn lua.LGFunction) *lua.LFunction {
	return NamedExactResults(L, "fn", fn)
}

// NamedExactResults is ExactResults where argument errors call the
// function name ("bad argument #1 to sleep") instead of "fn".
func NamedExactResults(L *lua.LState, name string, fn lua.LGFunction) *lua.LFunction {
	L.Push(L.NewFunctionFromProto(exactResultsProto()))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		defer blameCaller(L, name)
		return fn(L)
	}))
	L.Call(1, 1)
	w := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return w
}

// blameCaller, deferred in a Go function called through a hidden chunk,
// rewrites a Lua error it raised: the hidden chunk's position becomes the
// user's caller's and "to fn" the function's name.
func blameCaller(L *lua.LState, name string) {
	r := recover()
	if r == nil {
		return
	}
	if ae, ok := r.(*lua.ApiError); ok {
		if s, ok := ae.Object.(lua.LString); ok {
			ae.Object = lua.LString(rewriteHidden(L, string(s), name))
		}
	}
	panic(r)
}

// rewriteHidden replaces a leading "netplay.sched:N:" with the caller's
// position and "bad argument #n to fn" with the function's name.
func rewriteHidden(L *lua.LState, msg, name string) string {
	if strings.HasPrefix(msg, "netplay.") {
		if i := strings.Index(msg, ": "); i >= 0 && IsHidden(msg[:strings.IndexByte(msg, ':')]) {
			msg = CallerWhere(L) + msg[i+1:]
		}
	}
	if i := strings.Index(msg, "bad argument #"); i >= 0 {
		if j := strings.Index(msg[i:], " to fn ("); j >= 0 {
			k := i + j
			msg = msg[:k] + " to " + name + " (" + msg[k+len(" to fn ("):]
		}
	}
	return msg
}

// IsHidden reports whether source names one of netplay's own chunks
// ("netplay.sched", "netplay.pcall", …), which errors never blame.
func IsHidden(source string) bool { return strings.HasPrefix(source, "netplay.") }

// CallerWhere returns "file:line:" of the innermost Lua frame that is the
// user's (not a Go function, not one of netplay's hidden chunks), or "".
func CallerWhere(L *lua.LState) string {
	// A coroutine's own stack ends at its body; netplay's pcall runs its
	// function as one, so the caller may be on a parent's stack.
	for th, first := L, 1; th != nil; th, first = th.Parent, 0 {
		for level := first; level < 64; level++ {
			dbg, ok := th.GetStack(level)
			if !ok {
				break
			}
			if _, err := th.GetInfo("Sl", dbg, lua.LNil); err != nil {
				continue
			}
			if dbg.What == "G" || IsHidden(dbg.Source) || dbg.CurrentLine <= 0 {
				continue
			}
			return fmt.Sprintf("%s:%d:", dbg.Source, dbg.CurrentLine)
		}
	}
	return ""
}

// FmtNumber prints integers without a fraction, like Lua 5.3's %d for
// integral floats in the playground's usual range.
func FmtNumber(f float64) string {
	if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return lua.LNumber(f).String()
}

// ToString is tostring(v) honouring __tostring.
func ToString(L *lua.LState, v lua.LValue) string {
	if mt, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok {
		L.Push(mt)
		L.Push(v)
		L.Call(1, 1)
		s := L.Get(-1)
		L.Pop(1)
		return lua.LVAsString(s)
	}
	switch x := v.(type) {
	case lua.LNumber:
		return FmtNumber(float64(x))
	default:
		return v.String()
	}
}

// CallbackLocal is the local through which netplay's hidden chunks (the
// scheduler's trampoline, net's dispatch loop) call a script's callback; a
// traceback names the callback's frame by it until NameCallback renames it.
const CallbackLocal = "callback"

// NameCallback returns tb, a traceback of a callback netplay ran, with the
// callback's frame (the outermost, called by a hidden chunk) named name:
// "echo.lua:5: in function 'on_message'". It is called on the error path
// only, so naming costs nothing per call.
func NameCallback(tb, name string) string {
	const unnamed = " in function '" + CallbackLocal + "'"
	i := strings.LastIndexByte(tb, '\n')
	if i < 0 || !strings.HasSuffix(tb, unnamed) {
		return tb
	}
	return tb[:len(tb)-len(unnamed)] + " in function '" + name + "'"
}
