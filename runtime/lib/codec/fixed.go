package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var fixedKind = Kind{
	Doc: doc.Func("fixed"),
	New: func(L *lua.LState, _ host.VM) Framer {
		spec, err := codecs.NewFixed(luautil.CheckIntIn(L, "codec.fixed", 1, "size", 1, luautil.MaxSize))
		if err != nil {
			L.ArgError(1, err.Error())
		}
		return &stringFramer{name: "fixed", spec: spec}
	},
}
