package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var delimiterOpts = luautil.NewOptions("codec.delimiter", "max_length:integer", "strip_delimiter:boolean", "fail_fast:boolean")

var delimiterKind = Kind{
	Doc: doc.Func("delimiter"),
	New: func(L *lua.LState, _ host.VM) Framer {
		var delims [][]byte
		switch d := L.Get(1).(type) {
		case lua.LString:
			delims = append(delims, []byte(d))
		case *lua.LTable:
			for i := 1; i <= d.Len(); i++ {
				delims = append(delims, []byte(lua.LVAsString(d.RawGetInt(i))))
			}
		default:
			L.ArgError(1, "delimiter string or list expected")
		}
		o := delimiterOpts.Table(L, 2)
		spec, err := codecs.NewDelimiter(delims, codecs.DelimiterOptions{
			MaxLength: luautil.OptIntIn(L, "codec.delimiter", o, "max_length", 0, 0, luautil.MaxSize), KeepDelimiter: !luautil.OptBool(L, o, "strip_delimiter", true),
			NoFailFast: !luautil.OptBool(L, o, "fail_fast", true)})
		if err != nil {
			L.ArgError(1, err.Error())
		}
		return &stringFramer{name: "delimiter", spec: spec, max: maxLength(luautil.OptInt(L, o, "max_length", 0))}
	},
}
