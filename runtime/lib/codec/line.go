package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var lineKind = Kind{
	Doc: host.FuncDoc{Name: "line", Signature: "codec.line{max_length = 65536, strip_delimiter = true, fail_fast = true}", Doc: "Frames end at \\n or \\r\\n; c:send appends \\n.",
		Example: "local c = codec.line{max_length = 1024}"},
	New: func(L *lua.LState, _ host.VM) Framer {
		o := luautil.OptTable(L, 1)
		spec := codecs.Line(codecs.LineOptions{
			MaxLength: luautil.OptInt(L, o, "max_length", 0), KeepDelimiter: !luautil.OptBool(L, o, "strip_delimiter", true),
			NoFailFast: !luautil.OptBool(L, o, "fail_fast", true)})
		return &stringFramer{name: "line", spec: spec}
	},
}
