package codec

import (
	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var (
	lengthFieldOpts = luautil.NewOptions("codec.length_field", "length_field_offset:integer", "length_field_length:integer",
		"length_adjustment:integer", "initial_bytes_to_strip:integer", "byte_order:string", "max_frame_length:integer", "fail_fast:boolean")
	lengthPrependerOpts = luautil.NewOptions("codec.length_prepender", "length_field_length:integer", "length_adjustment:integer",
		"length_includes_length_field_length:boolean", "byte_order:string", "max_frame_length:integer")
)

var lengthFieldKind = Kind{
	Doc: doc.Func("length_field"),
	New: func(L *lua.LState, _ host.VM) Framer {
		o := lengthFieldOpts.Table(L, 1)
		off := luautil.OptInt(L, o, "length_field_offset", 0)
		ln := luautil.OptInt(L, o, "length_field_length", 4)
		spec, err := codecs.LengthField(codecs.LengthFieldOptions{
			LengthFieldOffset: off, LengthFieldLength: ln,
			LengthAdjustment:    luautil.OptInt(L, o, "length_adjustment", 0),
			InitialBytesToStrip: luautil.OptInt(L, o, "initial_bytes_to_strip", off+ln),
			ByteOrder:           luautil.OptByteOrder(L, o),
			MaxFrameLength:      int64(luautil.OptIntIn(L, "codec.length_field", o, "max_frame_length", 0, 0, luautil.MaxSize)),
			NoFailFast:          !luautil.OptBool(L, o, "fail_fast", true)})
		if err != nil {
			L.ArgError(1, err.Error())
		}
		return &stringFramer{name: "length_field", spec: spec}
	},
}

var lengthPrependerKind = Kind{
	Doc: doc.Func("length_prepender"),
	New: func(L *lua.LState, _ host.VM) Framer {
		o := lengthPrependerOpts.Table(L, 1)
		spec, err := codecs.LengthPrepender(codecs.LengthPrependerOptions{
			LengthFieldLength:               luautil.OptInt(L, o, "length_field_length", 4),
			LengthAdjustment:                luautil.OptInt(L, o, "length_adjustment", 0),
			LengthIncludesLengthFieldLength: luautil.OptBool(L, o, "length_includes_length_field_length", false),
			ByteOrder:                       luautil.OptByteOrder(L, o),
			MaxFrameLength:                  int64(luautil.OptIntIn(L, "codec.length_prepender", o, "max_frame_length", 0, 0, luautil.MaxSize))})
		if err != nil {
			L.ArgError(1, err.Error())
		}
		return &stringFramer{name: "length_prepender", spec: spec}
	},
}
