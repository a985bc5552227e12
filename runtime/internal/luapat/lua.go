package luapat

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Install replaces string.find, string.match, string.gmatch (and its 5.1
// alias gfind) and string.gsub in L with netplay's matcher: in the global
// string table and in the string metatable's __index, so that s:match(…)
// uses it too. Each call takes its cancellation from the calling thread's
// L.Context(): when that context ends (netplay's budget trips, a deadline
// passes) the match stops within CheckEvery steps and raises the context's
// error, as gopher-lua does for a Lua loop. Call it after the string
// library is open.
func Install(L *lua.LState) { install(L, MaxResult, nil) }

// InstallReserve is Install with reserve asked before string.gsub's result
// grows (netplay's memory cap): its error fails the call.
func InstallReserve(L *lua.LState, reserve func(n int64) error) { install(L, MaxResult, reserve) }

// install is Install with gsub's results bounded by maxResult bytes.
func install(L *lua.LState, maxResult int, reserve func(n int64) error) {
	funcs := map[string]lua.LGFunction{
		"find":   strFind,
		"match":  strMatch,
		"gmatch": strGmatch,
		"gfind":  strGmatch,
		"gsub":   func(L *lua.LState) int { return strGsub(L, maxResult, reserve) },
	}
	set := func(t *lua.LTable) {
		for name, fn := range funcs {
			t.RawSetString(name, L.NewFunction(fn))
		}
	}
	str, _ := L.GetGlobal("string").(*lua.LTable)
	if str != nil {
		set(str)
	}
	if mt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		if idx, ok := mt.RawGetString("__index").(*lua.LTable); ok && idx != str {
			set(idx)
		}
	}
}

// MaxResult bounds what one string.gsub may build in a VM, as netplay bounds
// string.rep: the step counter looks at the budget between matches, but one
// replacement can be large, so without a bound a few hundred matches could
// allocate gigabytes before the next look.
const MaxResult = 256 << 20

// options checks L's context (that of the calling thread) as the VM does
// before each instruction.
func options(L *lua.LState) Options { return Options{Context: L.Context()} }

// raise turns a matcher error into a Lua error at the caller, like the VM's
// "file:line: message".
func raise(L *lua.LState, err error) {
	L.RaiseError("%s", err.Error())
}

// pushValues pushes the first n values of r (string.match's results).
func pushValues(L *lua.LState, r *Result, n int) int {
	for i := range n {
		text, pos, isPos, err := r.Value(i)
		if err != nil {
			raise(L, err)
		}
		if isPos {
			L.Push(lua.LNumber(pos))
		} else {
			L.Push(lua.LString(text))
		}
	}
	return n
}

// strFind is string.find(s, pattern [, init [, plain]]).
func strFind(L *lua.LState) int {
	s, p := L.CheckString(1), L.CheckString(2)
	init := Init(L.OptInt(3, 1), len(s))
	if lua.LVAsBool(L.Get(4)) || isPlain(p) {
		i := strings.Index(s[init:], p)
		if i < 0 {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LNumber(init + i + 1))
		L.Push(lua.LNumber(init + i + len(p)))
		return 2
	}
	r, err := Match(s, p, init, options(L))
	if err != nil {
		raise(L, err)
	}
	if r == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(r.Start + 1))
	L.Push(lua.LNumber(r.End))
	return 2 + pushValues(L, r, len(r.Captures))
}

// strMatch is string.match(s, pattern [, init]).
func strMatch(L *lua.LState) int {
	s, p := L.CheckString(1), L.CheckString(2)
	r, err := Match(s, p, Init(L.OptInt(3, 1), len(s)), options(L))
	if err != nil {
		raise(L, err)
	}
	if r == nil {
		L.Push(lua.LNil)
		return 1
	}
	return pushValues(L, r, r.NumValues())
}

// strGmatch is string.gmatch(s, pattern): an iterator function.
func strGmatch(L *lua.LState) int {
	it := Gmatch(L.CheckString(1), L.CheckString(2))
	L.Push(L.NewFunction(func(L *lua.LState) int {
		r, err := it.Next(options(L))
		if err != nil {
			raise(L, err)
		}
		if r == nil {
			return 0
		}
		return pushValues(L, r, r.NumValues())
	}))
	return 1
}

// strGsub is string.gsub(s, pattern, repl [, n]), its result bounded by
// maxResult bytes.
func strGsub(L *lua.LState, maxResult int, reserve func(n int64) error) int {
	s, p := L.CheckString(1), L.CheckString(2)
	repl := L.Get(3)
	maxN := L.OptInt(4, len(s)+1)
	var replace Replacer
	switch rv := repl.(type) {
	case lua.LString, lua.LNumber:
		template := lua.LVAsString(rv)
		replace = func(r *Result) (string, bool, error) {
			out, err := Expand(template, r, maxResult)
			return out, false, err
		}
	case *lua.LTable:
		replace = func(r *Result) (string, bool, error) {
			pushValues(L, r, 1)
			key := L.Get(-1)
			L.Pop(1)
			return replacement(L, L.GetTable(rv, key))
		}
	case *lua.LFunction:
		replace = func(r *Result) (string, bool, error) {
			L.Push(rv)
			n := pushValues(L, r, r.NumValues())
			L.Call(n, 1)
			v := L.Get(-1)
			L.Pop(1)
			return replacement(L, v)
		}
	default:
		L.ArgError(3, "string/function/table expected")
	}
	opt := options(L)
	opt.MaxResult = maxResult
	opt.Reserve = reserve
	out, n, err := Gsub(s, p, maxN, replace, opt)
	if err != nil {
		raise(L, err)
	}
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(n))
	return 2
}

// replacement is a table's or function's answer for one match: nil or
// false keeps the match, a string or number replaces it.
func replacement(L *lua.LState, v lua.LValue) (string, bool, error) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), false, nil
	case lua.LNumber:
		return v.String(), false, nil
	}
	if !lua.LVAsBool(v) {
		return "", true, nil
	}
	return "", false, errorf("invalid replacement value (a %s)", v.Type().String())
}
