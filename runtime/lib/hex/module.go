package hex

import (
	_ "embed"
	"encoding/hex"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the hex Lua module.
var Module = host.NewModule(docMD, host.All, func(v host.VM) *lua.LTable {
	L := v.L()
	mem := memwatch.Of(v.Shared) // each call asks for its output first
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			s := L.CheckString(1)
			mem.Check(L, "hex.encode", 2*int64(len(s)))
			L.Push(lua.LString(hex.EncodeToString([]byte(s))))
			return 1
		},
		"decode": func(L *lua.LState) int {
			s := L.CheckString(1)
			mem.Check(L, "hex.decode", int64(len(s)))
			clean := make([]byte, 0, len(s))
			for i := 0; i < len(s); i++ {
				switch s[i] {
				case ' ', '\t', '\r', '\n':
				default:
					clean = append(clean, s[i])
				}
			}
			b, err := hex.DecodeString(string(clean))
			if err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString("hex.decode: " + err.Error()))
				return 2
			}
			L.Push(lua.LString(b))
			return 1
		},
		"dump": func(L *lua.LState) int {
			s := L.CheckString(1)
			mem.Check(L, "hex.dump", 5*int64(len(s))+80) // 79 bytes a line of 16
			L.Push(lua.LString(hex.Dump([]byte(s))))
			return 1
		},
	})
})
