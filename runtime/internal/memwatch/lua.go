package memwatch

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// Install makes the string and table builtins of L that can allocate a lot
// in one call ask w before they do: string.rep, string.format,
// string.upper/lower/reverse and table.concat estimate their result and
// raise "memory limit exceeded" (Check) when it does not fit, without
// allocating it. Each wraps the function installed at the time, so call it
// after string.rep and friends are in place. A nil w installs nothing.
// string.gsub asks as its result grows (luapat.InstallReserve with
// w.ReserveFor).
func Install(L *lua.LState, w *Watchdog) {
	if w == nil {
		return
	}
	str, _ := L.GetGlobal("string").(*lua.LTable)
	wrap(L, w, str, "string", "rep", repSize)
	wrap(L, w, str, "string", "format", formatSize)
	for _, name := range []string{"upper", "lower", "reverse"} {
		wrap(L, w, str, "string", name, argLen)
	}
	tbl, _ := L.GetGlobal("table").(*lua.LTable)
	wrap(L, w, tbl, "table", "concat", concatSize)
	// s:rep(…) looks in the string metatable's __index: the same table in
	// gopher-lua, but wrap it too if it is not
	if mt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		if idx, ok := mt.RawGetString("__index").(*lua.LTable); ok && idx != str {
			for _, name := range []string{"rep", "format", "upper", "lower", "reverse"} {
				idx.RawSetString(name, str.RawGetString(name))
			}
		}
	}
}

// wrap replaces t[name], a Go function, with one that checks size(L) first.
func wrap(L *lua.LState, w *Watchdog, t *lua.LTable, lib, name string, size func(L *lua.LState) int64) {
	if t == nil {
		return
	}
	f, ok := t.RawGetString(name).(*lua.LFunction)
	if !ok || f.GFunction == nil {
		return
	}
	g, op := f.GFunction, lib+"."+name
	t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
		w.Check(L, op, size(L))
		return g(L)
	}))
}

// ReserveFor is Reserve with op named in the error, for luapat's hook.
func (w *Watchdog) ReserveFor(op string) func(n int64) error {
	if w == nil {
		return nil
	}
	return func(n int64) error {
		if err := w.Reserve(n); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
}

// strLen is the length of argument i if it is a string or number (what
// the builtins convert), else 0: the builtin itself reports the bad type.
func strLen(L *lua.LState, i int) int64 {
	switch v := L.Get(i).(type) {
	case lua.LString:
		return int64(len(v))
	case lua.LNumber:
		return 24
	}
	return 0
}

func argLen(L *lua.LState) int64 { return strLen(L, 1) }

// repSize is string.rep(s, n)'s result.
func repSize(L *lua.LState) int64 {
	n := lua.LVAsNumber(L.Get(2)) // "1e9" converts, as string.rep's CheckInt does
	if n <= 0 {
		return 0
	}
	if n > 1<<53 {
		n = 1 << 53
	}
	return Mul(strLen(L, 1), int64(n))
}

// formatSize bounds string.format(f, …)'s result: the format, every
// argument as long as it is (strings) or 24 bytes (anything else, %q
// doubles a string at most), and each directive's width and precision.
func formatSize(L *lua.LState) int64 {
	f, ok := L.Get(1).(lua.LString)
	if !ok {
		return 0
	}
	n := int64(len(f))
	for i := 2; i <= L.GetTop(); i++ {
		if s, ok := L.Get(i).(lua.LString); ok {
			n += 2*int64(len(s)) + 2
		} else {
			n += 24
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		num := int64(0)
		for i++; i < len(f) && f[i] != '%' && !isVerb(f[i]); i++ {
			if c := f[i]; c >= '0' && c <= '9' {
				num = min(num*10+int64(c-'0'), 1<<40)
			} else {
				n, num = n+num, 0
			}
		}
		n += num
	}
	return n
}

func isVerb(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// concatSize is table.concat(t, sep, i, j)'s result, counted as gopher-lua
// builds it (up to the first value it would refuse).
func concatSize(L *lua.LState) int64 {
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		return 0
	}
	sep := strLen(L, 2)
	n := t.Len()
	i, j := 1, n
	if v := L.Get(3); v != lua.LNil {
		i = max(int(lua.LVAsNumber(v)), 1)
	}
	if v := L.Get(4); v != lua.LNil {
		j = min(int(lua.LVAsNumber(v)), n)
	}
	var size int64
	for ; i <= j; i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			size += int64(len(v)) + sep
		case lua.LNumber:
			size += 24 + sep
		default:
			return size
		}
	}
	return size
}
