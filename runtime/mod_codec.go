package runtime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/netplay-lab/netplay/codecs"
	lua "github.com/yuin/gopher-lua"
)

var codecModule = &module{
	ModuleDoc: ModuleDoc{Name: "codec", Doc: "Stream framing with Netty's semantics and option names in snake_case (see docs/codecs.md).",
		Funcs: []FuncDoc{
			{Name: "raw", Signature: "codec.raw()", Doc: "No framing: every read is one message (the default).",
				Example: "local c = codec.raw()\nassert(tostring(c) == 'codec.raw')"},
			{Name: "line", Signature: "codec.line{max_length = 65536, strip_delimiter = true, fail_fast = true}", Doc: "Frames end at \\n or \\r\\n; c:send appends \\n.",
				Example: "local c = codec.line{max_length = 1024}"},
			{Name: "delimiter", Signature: "codec.delimiter(delim_or_list, {max_length, strip_delimiter, fail_fast})", Doc: "Frames end at any of the delimiters (the shortest frame wins); c:send appends the first.",
				Example: "local c = codec.delimiter('\\r\\n\\r\\n', {max_length = 8192})"},
			{Name: "fixed", Signature: "codec.fixed(n)", Doc: "Every frame is exactly n bytes.",
				Example: "local c = codec.fixed(16)"},
			{Name: "length_field", Signature: "codec.length_field{length_field_offset, length_field_length, length_adjustment, initial_bytes_to_strip, byte_order, max_frame_length, fail_fast}", Doc: "Netty's LengthFieldBasedFrameDecoder; c:send writes the matching length field.",
				Example: "local c = codec.length_field{length_field_length = 2}"},
			{Name: "length_prepender", Signature: "codec.length_prepender{length_field_length, length_adjustment, length_includes_length_field_length, byte_order, max_frame_length}", Doc: "Netty's LengthFieldPrepender (decodes its own frames too).",
				Example: "local c = codec.length_prepender{length_field_length = 4}"},
			{Name: "resp", Signature: "codec.resp{max_bulk_length, max_multibulk_length, max_inline_length, max_depth, commands_only}", Doc: "Redis RESP2: messages are Lua values (commands: tables of strings; {ok=…} simple, {err=…} error).",
				Example: "local c = codec.resp{commands_only = true}"},
			{Name: "custom", Signature: "codec.custom{decode = function(buf) … end, encode = function(msg) … end}", Doc: "Framing in Lua on the VM that owns the conn: decode gets a buffer (buf:len(), buf:peek(n), buf:find(s), buf:take(n)) and returns a frame or nil for more bytes.",
				Example: "local c = codec.custom{decode = function(buf) if buf:len() >= 2 then return buf:take(2) end end}"},
		}},
	kinds: kindScript | kindLoop,
	open: func(v *vm, L *lua.LState) *lua.LTable {
		mt := L.NewTypeMetatable(codecType)
		L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("codec." + checkCodec(L, 1).name))
			return 1
		}))
		newBufMeta(L)
		return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"raw": func(L *lua.LState) int { return pushCodec(L, &luaCodec{name: "raw", spec: codecs.Raw()}) },
			"line": func(L *lua.LState) int {
				o := optTable(L, 1)
				spec := codecs.Line(codecs.LineOptions{
					MaxLength: optInt(L, o, "max_length", 0), KeepDelimiter: !optBool(L, o, "strip_delimiter", true),
					NoFailFast: !optBool(L, o, "fail_fast", true)})
				return pushCodec(L, &luaCodec{name: "line", spec: spec})
			},
			"delimiter": func(L *lua.LState) int {
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
				o := optTable(L, 2)
				spec, err := codecs.NewDelimiter(delims, codecs.DelimiterOptions{
					MaxLength: optInt(L, o, "max_length", 0), KeepDelimiter: !optBool(L, o, "strip_delimiter", true),
					NoFailFast: !optBool(L, o, "fail_fast", true)})
				if err != nil {
					L.ArgError(1, err.Error())
				}
				return pushCodec(L, &luaCodec{name: "delimiter", spec: spec})
			},
			"fixed": func(L *lua.LState) int {
				spec, err := codecs.NewFixed(L.CheckInt(1))
				if err != nil {
					L.ArgError(1, err.Error())
				}
				return pushCodec(L, &luaCodec{name: "fixed", spec: spec})
			},
			"length_field": func(L *lua.LState) int {
				o := optTable(L, 1)
				off := optInt(L, o, "length_field_offset", 0)
				ln := optInt(L, o, "length_field_length", 4)
				spec, err := codecs.LengthField(codecs.LengthFieldOptions{
					LengthFieldOffset: off, LengthFieldLength: ln,
					LengthAdjustment:    optInt(L, o, "length_adjustment", 0),
					InitialBytesToStrip: optInt(L, o, "initial_bytes_to_strip", off+ln),
					ByteOrder:           optByteOrder(L, o),
					MaxFrameLength:      int64(optInt(L, o, "max_frame_length", 0)),
					NoFailFast:          !optBool(L, o, "fail_fast", true)})
				if err != nil {
					L.ArgError(1, err.Error())
				}
				return pushCodec(L, &luaCodec{name: "length_field", spec: spec})
			},
			"length_prepender": func(L *lua.LState) int {
				o := optTable(L, 1)
				spec, err := codecs.LengthPrepender(codecs.LengthPrependerOptions{
					LengthFieldLength:               optInt(L, o, "length_field_length", 4),
					LengthAdjustment:                optInt(L, o, "length_adjustment", 0),
					LengthIncludesLengthFieldLength: optBool(L, o, "length_includes_length_field_length", false),
					ByteOrder:                       optByteOrder(L, o),
					MaxFrameLength:                  int64(optInt(L, o, "max_frame_length", 0))})
				if err != nil {
					L.ArgError(1, err.Error())
				}
				return pushCodec(L, &luaCodec{name: "length_prepender", spec: spec})
			},
			"resp": func(L *lua.LState) int {
				o := optTable(L, 1)
				commands := optBool(L, o, "commands_only", false)
				spec := codecs.RESP(codecs.RESPOptions{
					MaxBulkLength:      int64(optInt(L, o, "max_bulk_length", 0)),
					MaxMultibulkLength: int64(optInt(L, o, "max_multibulk_length", 0)),
					MaxInlineLength:    optInt(L, o, "max_inline_length", 0),
					MaxDepth:           optInt(L, o, "max_depth", 0),
					CommandsOnly:       commands})
				return pushCodec(L, &luaCodec{name: "resp", spec: spec, resp: true, respCommands: commands})
			},
			"custom": func(L *lua.LState) int {
				o := L.CheckTable(1)
				dec, _ := o.RawGetString("decode").(*lua.LFunction)
				enc, _ := o.RawGetString("encode").(*lua.LFunction)
				if dec == nil {
					L.ArgError(1, "codec.custom needs a decode function")
				}
				return pushCodec(L, &luaCodec{name: "custom", decode: dec, encode: enc, owner: v})
			},
		})
	},
}

const codecType = "netplay.codec"

// luaCodec is a codec chosen in Lua: a Go codecs.Spec, or Lua functions.
type luaCodec struct {
	name           string
	spec           codecs.Spec // nil for custom
	resp           bool        // messages are RESP values
	respCommands   bool        // resp with commands_only: arrays of bulk strings
	decode, encode *lua.LFunction
	owner          *vm // the VM whose functions decode/encode are
}

func pushCodec(L *lua.LState, c *luaCodec) int {
	ud := L.NewUserData()
	ud.Value = c
	L.SetMetatable(ud, L.GetTypeMetatable(codecType))
	L.Push(ud)
	return 1
}

func checkCodec(L *lua.LState, n int) *luaCodec {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if c, ok := ud.Value.(*luaCodec); ok {
			return c
		}
	}
	L.ArgError(n, "codec expected (codec.line{…}, codec.raw(), …)")
	return nil
}

func optTable(L *lua.LState, n int) *lua.LTable {
	switch t := L.Get(n).(type) {
	case *lua.LTable:
		return t
	case *lua.LNilType:
		return L.NewTable()
	}
	L.ArgError(n, "options table expected")
	return nil
}

func optInt(L *lua.LState, o *lua.LTable, k string, def int) int {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		if float64(v) != math.Trunc(float64(v)) {
			L.RaiseError("option %s: integer expected, got %v", k, v)
		}
		return int(v)
	default:
		L.RaiseError("option %s: number expected, got %s", k, v.Type())
	}
	return def
}

func optNum(L *lua.LState, o *lua.LTable, k string, def float64) float64 {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LNumber:
		return float64(v)
	default:
		L.RaiseError("option %s: number expected, got %s", k, v.Type())
	}
	return def
}

func optBool(L *lua.LState, o *lua.LTable, k string, def bool) bool {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LBool:
		return bool(v)
	default:
		L.RaiseError("option %s: boolean expected, got %s", k, v.Type())
	}
	return def
}

func optString(L *lua.LState, o *lua.LTable, k, def string) string {
	switch v := o.RawGetString(k).(type) {
	case *lua.LNilType:
		return def
	case lua.LString:
		return string(v)
	default:
		L.RaiseError("option %s: string expected, got %s", k, v.Type())
	}
	return def
}

func optByteOrder(L *lua.LState, o *lua.LTable) binary.ByteOrder {
	bo, err := codecs.ParseByteOrder(optString(L, o, "byte_order", "big"))
	if err != nil {
		L.RaiseError("option byte_order: %v", err)
	}
	return bo
}

// respToLua maps a RESP value to Lua (docs/codecs.md): arrays are tables,
// bulk and simple strings strings, integers numbers, errors {err=…}, nulls
// nil at top level and false inside arrays.
func respToLua(L *lua.LState, v codecs.RESPValue, top bool) lua.LValue {
	if v.Null || v.Type == 0 {
		if top {
			return lua.LNil
		}
		return lua.LFalse
	}
	switch v.Type {
	case '+', '$':
		return lua.LString(v.Str)
	case ':':
		return lua.LNumber(v.Int)
	case '-':
		t := L.NewTable()
		t.RawSetString("err", lua.LString(v.Str))
		return t
	case '*':
		t := L.CreateTable(len(v.Array), 0)
		for i, e := range v.Array {
			t.RawSetInt(i+1, respToLua(L, e, false))
		}
		return t
	}
	return lua.LNil
}

// argsToLua makes a command's arguments a Lua table of strings with one
// allocation for all their bytes; buf is scratch space, returned for reuse.
// The first argument, the command's name, comes from names when it is there.
func argsToLua(L *lua.LState, names *nameCache, args [][]byte, buf []byte) (*lua.LTable, []byte) {
	t := L.CreateTable(len(args), 0)
	if len(args) == 0 {
		return t, buf
	}
	t.RawSetInt(1, names.get(args[0]))
	buf = buf[:0]
	for _, a := range args[1:] {
		buf = append(buf, a...)
	}
	all := string(buf)
	off := 0
	for i, a := range args[1:] {
		t.RawSetInt(i+2, lua.LString(all[off:off+len(a)]))
		off += len(a)
	}
	return t, buf
}

// nameCache keeps the Lua strings of the command names a VM has seen, so a
// command's name is neither copied nor boxed again: a server sees a handful
// of names millions of times. It holds at most maxCachedNames names of up to
// maxCachedNameLen bytes (about 40 KiB), first come, so a client sending
// random names cannot grow it. The zero value is an empty cache; VM
// goroutine only.
type nameCache struct {
	m map[string]lua.LValue
}

const (
	maxCachedNames   = 512
	maxCachedNameLen = 32
)

func (nc *nameCache) get(b []byte) lua.LValue {
	if len(b) > maxCachedNameLen {
		return lua.LString(b)
	}
	if v, ok := nc.m[string(b)]; ok {
		return v
	}
	v := lua.LValue(lua.LString(b))
	if nc.m == nil {
		nc.m = make(map[string]lua.LValue)
	}
	if len(nc.m) < maxCachedNames {
		nc.m[string(b)] = v
	}
	return v
}

// appendLuaRESP appends v as RESP (docs/codecs.md) to dst, straight from
// the Lua value: no RESPValue in between, no copy of a string but the one
// into dst.
func appendLuaRESP(dst []byte, v lua.LValue, depth int) ([]byte, error) {
	if depth > 64 {
		return dst, fmt.Errorf("value nested too deep")
	}
	switch x := v.(type) {
	case *lua.LNilType:
		return codecs.AppendRESPNull(dst), nil
	case lua.LBool:
		if x {
			return codecs.AppendRESPInteger(dst, 1), nil
		}
		return codecs.AppendRESPNull(dst), nil
	case lua.LNumber:
		f := float64(x)
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return codecs.AppendRESPInteger(dst, int64(f)), nil
		}
		var num [32]byte
		return codecs.AppendRESPBulk(dst, strconv.AppendFloat(num[:0], f, 'g', -1, 64)), nil
	case lua.LString:
		return codecs.AppendRESPBulk(dst, x), nil
	case *lua.LTable:
		if ok, isStr := x.RawGetString("ok").(lua.LString); isStr {
			return codecs.AppendRESPLine(dst, '+', ok), nil
		}
		if e, isStr := x.RawGetString("err").(lua.LString); isStr {
			return codecs.AppendRESPLine(dst, '-', e), nil
		}
		n := x.Len()
		dst = codecs.AppendRESPArrayHeader(dst, n)
		for i := 1; i <= n; i++ {
			var err error
			if dst, err = appendLuaRESP(dst, x.RawGetInt(i), depth+1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("cannot send a %s as RESP", v.Type())
}

// codecBuf is the buffer codec.custom's decode sees. VM goroutine only.
type codecBuf struct{ b []byte }

const bufType = "netplay.codecbuf"

func newBufMeta(L *lua.LState) {
	mt := L.NewTypeMetatable(bufType)
	check := func(L *lua.LState) *codecBuf {
		if ud, ok := L.Get(1).(*lua.LUserData); ok {
			if b, ok := ud.Value.(*codecBuf); ok {
				return b
			}
		}
		L.ArgError(1, "codec buffer expected")
		return nil
	}
	L.SetField(mt, "__index", strictMethods(L, L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"len": func(L *lua.LState) int { L.Push(lua.LNumber(len(check(L).b))); return 1 },
		"peek": func(L *lua.LState) int {
			b := check(L)
			n := L.OptInt(2, len(b.b))
			if n > len(b.b) {
				n = len(b.b)
			}
			L.Push(lua.LString(b.b[:max(n, 0)]))
			return 1
		},
		"find": func(L *lua.LState) int {
			b := check(L)
			i := bytes.Index(b.b, []byte(L.CheckString(2)))
			if i < 0 {
				L.Push(lua.LNil)
			} else {
				L.Push(lua.LNumber(i + 1))
			}
			return 1
		},
		"take": func(L *lua.LState) int {
			b := check(L)
			n := L.CheckInt(2)
			if n < 0 || n > len(b.b) {
				L.ArgError(2, fmt.Sprintf("take %d of %d buffered bytes", n, len(b.b)))
			}
			L.Push(lua.LString(b.b[:n]))
			b.b = b.b[n:]
			return 1
		},
	}), "codec buffer"))
}
