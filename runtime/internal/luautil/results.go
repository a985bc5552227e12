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
// the wrapper's own return pads and truncates as Lua does.
func ExactResults(L *lua.LState, fn lua.LGFunction) *lua.LFunction {
	L.Push(L.NewFunctionFromProto(exactResultsProto()))
	L.Push(L.NewFunction(fn))
	L.Call(1, 1)
	w := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return w
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
