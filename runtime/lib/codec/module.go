package codec

import (
	_ "embed"

	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

const codecType = "netplay.codec"

// docMD documents the module and the kinds of this package: docs/lua-api.md
// and :help show it, and a test runs its examples.
//
//go:embed doc.md
var docMD string

// doc is docMD parsed; each kind takes its entry by name.
var doc = host.ParseDoc(docMD)

// Module returns the codec Lua module with the given kinds as its
// constructors.
func Module(kinds ...Kind) *host.Module {
	docs := make([]host.FuncDoc, len(kinds))
	for i, k := range kinds {
		docs[i] = k.Doc
	}
	docs = append(docs, doc.Func("null"))
	return &host.Module{
		ModuleDoc: host.ModuleDoc{Name: doc.Name, Doc: doc.Doc, Funcs: docs},
		Kinds:     host.Script | host.Loop,
		Open: func(v host.VM) *lua.LTable {
			L := v.L()
			mt := L.NewTypeMetatable(codecType)
			L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
				L.Push(lua.LString("codec." + Check(L, 1).Name()))
				return 1
			}))
			t := L.CreateTable(0, len(kinds))
			for _, k := range kinds {
				k := k
				t.RawSetString(k.Doc.Name, L.NewFunction(func(L *lua.LState) int {
					return Push(L, k.New(L, v))
				}))
			}
			t.RawSetString("null", Null(v))
			return t
		},
	}
}

// Push pushes f as a codec value.
func Push(L *lua.LState, f Framer) int {
	L.Push(Value(L, f))
	return 1
}

// Value wraps f as a Lua codec value.
func Value(L *lua.LState, f Framer) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = f
	L.SetMetatable(ud, L.GetTypeMetatable(codecType))
	return ud
}

// Check returns argument n as a framer, raising an argument error else.
func Check(L *lua.LState, n int) Framer {
	if f, ok := FromValue(L.Get(n)); ok {
		return f
	}
	L.ArgError(n, "codec expected (codec.line{…}, codec.raw(), …)")
	return nil
}

// FromValue returns the framer a Lua codec value holds.
func FromValue(v lua.LValue) (Framer, bool) {
	if ud, ok := v.(*lua.LUserData); ok {
		f, ok := ud.Value.(Framer)
		return f, ok
	}
	return nil, false
}
