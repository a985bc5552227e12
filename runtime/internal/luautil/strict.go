package luautil

import (
	"errors"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Options lists the option keys one Lua function accepts and the type of
// each, so that a typo or a wrong type is an error naming the function, the
// key and the closest valid key instead of a silently ignored option. Make
// one per function at package level with NewOptions; Table or Check then
// costs one pass over the caller's table per call (options are read once
// per call, never per message). The zero value accepts no key.
type Options struct {
	fn    string
	types map[string]string
	names []string // sorted, for suggestions and docs
}

// NewOptions describes function fn's options, each written "name:type".
// The types Lua checks are number, integer, boolean, string, function and
// table; "any" accepts every value; "false" only false (an option that
// false clears); any other word names a userdata kind ("codec",
// "context") that the function checks itself. "number|false" accepts
// either.
func NewOptions(fn string, spec ...string) *Options {
	o := &Options{fn: fn, types: make(map[string]string, len(spec))}
	for _, s := range spec {
		name, typ, ok := strings.Cut(s, ":")
		if !ok {
			typ = "any"
		}
		o.types[name] = typ
		o.names = append(o.names, name)
	}
	sort.Strings(o.names)
	return o
}

// Names returns the accepted keys, sorted.
func (o *Options) Names() []string { return o.names }

// Func is the function name errors carry ("net.listen").
func (o *Options) Func() string { return o.fn }

// Table returns argument n as a checked options table (an empty one for
// nil): OptTable followed by Check.
func (o *Options) Table(L *lua.LState, n int) *lua.LTable {
	var t *lua.LTable
	switch x := L.Get(n).(type) {
	case *lua.LTable:
		t = x
	case *lua.LNilType:
		return L.NewTable()
	default:
		L.ArgError(n, o.fn+": options table expected, got "+x.Type().String())
	}
	o.Check(L, t)
	return t
}

// Check raises an error for the first key of t that o does not list
// ("net.listen: unknown option 'on_mesage' (did you mean 'on_message'?)")
// or whose value has the wrong type ("net.listen: option 'on_message' must
// be a function, got string").
func (o *Options) Check(L *lua.LState, t *lua.LTable) {
	if err := o.Err(t); err != nil {
		L.RaiseError("%s", err.Error())
	}
}

// Err is Check's error as a value, nil when t is fine: for a table that
// does not come from a call (a callback's result), where the error is
// logged rather than raised.
func (o *Options) Err(t *lua.LTable) error {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		ks, ok := k.(lua.LString)
		if !ok {
			return errors.New(o.fn + ": option keys are names, got " + k.Type().String() + " " + k.String())
		}
		typ, ok := o.types[string(ks)]
		if !ok {
			return errors.New(o.fn + ": unknown option '" + string(ks) + "'" + DidYouMean(string(ks), o.names))
		}
		if !typeMatches(typ, v) {
			return errors.New(o.fn + ": option '" + string(ks) + "' must be " + describeType(typ) + ", got " + typeOf(v))
		}
	}
	return nil
}

// Checker returns a Lua function check(t) that raises Check's error for t
// (nil passes) and returns t: strict options for functions written in Lua
// (the lab's check module). The error names the caller of the Lua function
// that called check, the user's line.
func (o *Options) Checker(L *lua.LState) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		switch t := L.Get(1).(type) {
		case *lua.LNilType:
		case *lua.LTable:
			if err := o.Err(t); err != nil {
				L.Error(lua.LString(userWhere(L, 2)+" "+err.Error()), 0)
			}
		default:
			L.Error(lua.LString(userWhere(L, 2)+" "+o.fn+": options table expected, got "+t.Type().String()), 0)
		}
		L.Push(L.Get(1))
		return 1
	})
}

// userWhere is "file:line:" of the Lua frame level levels up (1: the
// caller of the Go function), or "".
func userWhere(L *lua.LState, level int) string {
	if dbg, ok := L.GetStack(level); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.CurrentLine > 0 {
			return dbg.Source + ":" + strconv.Itoa(dbg.CurrentLine) + ":"
		}
	}
	return ""
}

func typeMatches(typ string, v lua.LValue) bool {
	if a, b, ok := strings.Cut(typ, "|"); ok {
		return typeMatches(a, v) || typeMatches(b, v)
	}
	switch typ {
	case "false":
		return v == lua.LFalse
	case "any":
		return true
	case "number":
		return v.Type() == lua.LTNumber
	case "integer":
		n, ok := v.(lua.LNumber)
		return ok && float64(n) == float64(int64(n))
	case "boolean":
		return v.Type() == lua.LTBool
	case "string":
		return v.Type() == lua.LTString
	case "function":
		return v.Type() == lua.LTFunction
	case "table":
		return v.Type() == lua.LTTable
	}
	return v.Type() == lua.LTUserData // a kind the function checks itself
}

// typeOf names v's type for an error; a non-integral number says so.
func typeOf(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok && float64(n) != float64(int64(n)) {
		return "number " + n.String()
	}
	return v.Type().String()
}

// describeType is "a number", "an integer", "a number or false".
func describeType(typ string) string {
	if a, b, ok := strings.Cut(typ, "|"); ok {
		return describeType(a) + " or " + describeType(b)
	}
	return article(typ)
}

func article(typ string) string {
	switch typ {
	case "false", "true", "nil":
		return typ
	}
	switch typ[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + typ
	}
	return "a " + typ
}

// DidYouMean returns " (did you mean 'x'?)" for the candidate closest to
// word by edit distance, or "" when none is close enough to be a typo.
func DidYouMean(word string, candidates []string) string {
	if c := Closest(word, candidates); c != "" {
		return " (did you mean '" + c + "'?)"
	}
	return ""
}

// Closest returns the candidate nearest to word (Damerau–Levenshtein
// distance at most a third of its length, at least 1 and at most 3;
// a candidate that word is a prefix of also counts), or "".
func Closest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	limit := len(word) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 3 {
		limit = 3
	}
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := editDistance(lw, strings.ToLower(c))
		if d > limit && !(len(word) >= 3 && strings.HasPrefix(c, word)) {
			continue
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// EditDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of two neighbours cost 1. Strings
// over 64 bytes are either equal (0) or far apart (1<<20).
func EditDistance(a, b string) int { return editDistance(a, b) }

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 1 << 20
	}
	var rows [3][65]int
	prev2, prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// StrictModule makes mod, a module table, raise "net has no function
// 'lisen' (did you mean 'listen'?)" for a key it lacks. Present keys are
// found without the metatable, so the hot path costs nothing; raw lookups
// (the shell's completion) are not affected.
func StrictModule(L *lua.LState, mod *lua.LTable, name string) {
	if mod.Metatable != lua.LNil && mod.Metatable != nil {
		return
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		key := L.Get(2)
		var names []string
		mod.ForEach(func(k, _ lua.LValue) {
			if s, ok := k.(lua.LString); ok {
				names = append(names, string(s))
			}
		})
		L.RaiseError("%s has no function '%s'%s", name, key.String(), DidYouMean(key.String(), names))
		return 0
	}))
	L.SetMetatable(mod, mt)
}

// Disabled returns a function that raises "<name> is disabled in scripts;
// run with --unsafe to allow it": what a sandboxed VM gets in place of
// io.open, os.getenv and the like, so the refusal says how to lift it.
func Disabled(L *lua.LState, name string) *lua.LFunction {
	return L.NewFunction(func(L *lua.LState) int {
		L.Error(lua.LString(CallerWhere(L)+" "+name+" is disabled in scripts; run with --unsafe to allow it"), 0)
		return 0
	})
}

// DisabledLib returns a table standing for library lib in a sandboxed VM:
// each of funcs, and any other key looked up, is a Disabled function.
func DisabledLib(L *lua.LState, lib string, funcs []string) *lua.LTable {
	t := L.NewTable()
	for _, f := range funcs {
		t.RawSetString(f, Disabled(L, lib+"."+f))
	}
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		L.Push(Disabled(L, lib+"."+L.Get(2).String()))
		return 1
	}))
	L.SetMetatable(t, mt)
	return t
}
