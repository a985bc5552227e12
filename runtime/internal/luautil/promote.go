package luautil

import lua "github.com/yuin/gopher-lua"

// Fielded is the Value of a userdata whose type's __index comes from
// SetPromotingIndex: an object with fields answered from Go (c.id,
// c.data, …) besides its methods.
type Fielded interface {
	// Field returns field key; ok is false when key is no field (it is
	// then looked up as a method). fixed reports a value that cannot
	// change from now on, so a promoted metatable may keep it.
	Field(L *lua.LState, key string) (v lua.LValue, fixed, ok bool)
	// Lookup counts one lookup through the type's shared __index and
	// returns how many there have been.
	Lookup() int
}

// PromoteAfter is how many lookups an object makes through its type's
// shared __index before it gets a metatable of its own (promote): an
// object that answers one request and goes away never pays for one.
const PromoteAfter = 8

// SetPromotingIndex gives mt, the shared metatable of a type whose
// userdata hold Fielded values, an __index that answers fields from Go and
// methods from methods, and that promotes an object looked into
// PromoteAfter times: the per-message c:send of a handler is then found by
// a table lookup instead of a Go call, which costs more than the rest of a
// small c:send. what names the type in errors ("conn has no field or
// method 'x'"). mt's MethodsField is set so the shell completes methods.
func SetPromotingIndex(L *lua.LState, mt *lua.LTable, what string, methods *lua.LTable) {
	own := L.NewTable() // the metatable of a promoted object's own metatable
	own.RawSetString("__index", L.NewFunction(ownIndex(methods, own, what)))
	own.RawSetString(MethodsField, methods)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		ud := L.CheckUserData(1)
		f, ok := ud.Value.(Fielded)
		if !ok {
			L.ArgError(1, what+" expected")
		}
		key := L.CheckString(2)
		v, _, ok := f.Field(L, key)
		if !ok {
			v = MethodOf(L, methods, what, key)
		}
		if f.Lookup() >= PromoteAfter {
			promote(L, ud, mt, own)
		}
		L.Push(v)
		return 1
	}))
	mt.RawSetString(MethodsField, methods)
}

// promote gives ud a metatable of its own: a copy of the shared one that
// is also its own __index, so methods and fixed fields found once are kept
// in it and found by table lookups; a miss goes to own's __index
// (ownIndex). It costs about 850 B (a gopher-lua table with string keys
// keeps two Go maps). The userdata is kept for that miss under the key
// own, a table no script names, so obj[1] stays an error as before.
func promote(L *lua.LState, ud *lua.LUserData, shared, own *lua.LTable) {
	if ud.Metatable != shared {
		return
	}
	mt := L.CreateTable(0, 4)
	shared.ForEach(func(k, v lua.LValue) {
		if k != lua.LString(MethodsField) { // the shell finds it behind, in own
			mt.RawSet(k, v)
		}
	})
	mt.RawSet(own, ud)
	mt.RawSetString("__index", mt)
	mt.Metatable = own
	ud.Metatable = mt
}

// ownIndex is the __index behind a promoted object's metatable: it gets
// that metatable, finds the object under the key own, and keeps what it
// found there unless it can change.
func ownIndex(methods, own *lua.LTable, what string) lua.LGFunction {
	return func(L *lua.LState) int {
		mt := L.CheckTable(1)
		key := L.CheckString(2)
		var f Fielded
		if ud, ok := mt.RawGet(own).(*lua.LUserData); ok {
			f, _ = ud.Value.(Fielded)
		}
		if f == nil { // a script took the object out of getmetatable(obj)
			L.RaiseError("%s metatable without its %s", what, what)
		}
		v, fixed, ok := f.Field(L, key)
		if !ok {
			v, fixed = MethodOf(L, methods, what, key), true
		}
		if fixed {
			mt.RawSetString(key, v)
		}
		L.Push(v)
		return 1
	}
}
