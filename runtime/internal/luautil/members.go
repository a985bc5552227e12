package luautil

import lua "github.com/yuin/gopher-lua"

// NoSuchMember raises the error for a field or method a netplay object does
// not have, so that a typo names itself ("conn has no field or method
// 'recieve'") instead of gopher-lua's "attempt to call a non-function
// object".
func NoSuchMember(L *lua.LState, what string, key lua.LValue) {
	L.RaiseError("%s has no field or method '%s'", what, key.String())
}

// MethodOf returns methods[key] for an __index function, raising
// NoSuchMember when there is none.
func MethodOf(L *lua.LState, methods *lua.LTable, what, key string) lua.LValue {
	m := methods.RawGetString(key)
	if m == lua.LNil {
		NoSuchMember(L, what, lua.LString(key))
	}
	return m
}

// StrictMethods makes methods, a table used as an object's __index, raise
// NoSuchMember for a key it lacks. Raw lookups (the shell's completion) are
// not affected.
func StrictMethods(L *lua.LState, methods *lua.LTable, what string) *lua.LTable {
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		NoSuchMember(L, what, L.Get(2))
		return 0
	}))
	L.SetMetatable(methods, mt)
	return methods
}

// MethodsField names a metatable field holding a type's method table when
// its __index is a function: the shell completes obj:method from it without
// calling anything.
const MethodsField = "__methods"

// CheckUserData returns argument n's userdata value as a T, raising an
// argument error ("<what> expected") when it is anything else.
func CheckUserData[T any](L *lua.LState, n int, what string) T {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if x, ok := ud.Value.(T); ok {
			return x
		}
	}
	L.ArgError(n, what+" expected")
	var zero T
	return zero
}
