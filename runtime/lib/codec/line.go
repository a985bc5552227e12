package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var lineOpts = luautil.NewOptions("codec.line", "max_length:integer", "strip_delimiter:boolean", "fail_fast:boolean")

var lineKind = Kind{
	Doc: doc.Func("line"),
	New: func(L *lua.LState, _ host.VM) Framer {
		o := lineOpts.Table(L, 1)
		spec := codecs.Line(codecs.LineOptions{
			MaxLength: luautil.OptIntIn(L, "codec.line", o, "max_length", 0, 0, luautil.MaxSize), KeepDelimiter: !luautil.OptBool(L, o, "strip_delimiter", true),
			NoFailFast: !luautil.OptBool(L, o, "fail_fast", true)})
		return &stringFramer{name: "line", spec: spec, max: maxLength(luautil.OptInt(L, o, "max_length", 0))}
	},
}
