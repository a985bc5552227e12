package hex

import (
	"encoding/hex"

	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// Module is the hex Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "hex", Doc: "Hex encoding and hexdumps of byte strings.",
		Funcs: []host.FuncDoc{
			{Name: "encode", Signature: "hex.encode(s) -> string", Doc: "Lowercase hex digits, two per byte.",
				Example: "assert(hex.encode('\\1\\255') == '01ff')"},
			{Name: "decode", Signature: "hex.decode(s) -> bytes | nil, err", Doc: "Bytes from hex digits (either case, whitespace ignored).",
				Example: "assert(hex.decode('01 FF') == '\\1\\255')\nassert(hex.decode('xyz') == nil)"},
			{Name: "dump", Signature: "hex.dump(s) -> string", Doc: "A hexdump -C style listing: offset, 16 bytes in hex, printable ASCII.",
				Example: "print(hex.dump('hello, netplay'))"},
		}},
	Kinds: host.All,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"encode": func(L *lua.LState) int {
				L.Push(lua.LString(hex.EncodeToString([]byte(L.CheckString(1)))))
				return 1
			},
			"decode": func(L *lua.LState) int {
				s := L.CheckString(1)
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
				L.Push(lua.LString(hex.Dump([]byte(L.CheckString(1)))))
				return 1
			},
		})
	},
}
