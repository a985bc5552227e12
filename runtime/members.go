package runtime

import lua "github.com/yuin/gopher-lua"

// noSuchMember raises the error for a field or method a netplay object does
// not have, so that a typo names itself ("conn has no field or method
// 'recieve'") instead of gopher-lua's "attempt to call a non-function
// object".
func noSuchMember(L *lua.LState, what string, key lua.LValue) {
	L.RaiseError("%s has no field or method '%s'", what, key.String())
}

// methodOf returns methods[key] for an __index function, raising
// noSuchMember when there is none.
func methodOf(L *lua.LState, methods *lua.LTable, what, key string) lua.LValue {
	m := methods.RawGetString(key)
	if m == lua.LNil {
		noSuchMember(L, what, lua.LString(key))
	}
	return m
}

// strictMethods makes methods, a table used as an object's __index, raise
// noSuchMember for a key it lacks. Raw lookups (the shell's completion) are
// not affected.
func strictMethods(L *lua.LState, methods *lua.LTable, what string) *lua.LTable {
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		noSuchMember(L, what, L.Get(2))
		return 0
	}))
	L.SetMetatable(methods, mt)
	return methods
}
