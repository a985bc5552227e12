package codec

import (
	"bytes"
	"fmt"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var customOpts = luautil.NewOptions("codec.custom", "decode:function", "encode:function", "max_buffer:integer")

var customKind = Kind{
	Doc: doc.Func("custom"),
	New: func(L *lua.LState, v host.VM) Framer {
		o := L.CheckTable(1)
		customOpts.Check(L, o)
		dec, _ := o.RawGetString("decode").(*lua.LFunction)
		enc, _ := o.RawGetString("encode").(*lua.LFunction)
		if dec == nil {
			L.ArgError(1, "codec.custom needs a decode function")
		}
		maxBuf := luautil.OptIntIn(L, "codec.custom", o, "max_buffer", DefaultCustomMaxBuffer, 1, luautil.MaxSize)
		return &customFramer{decode: dec, encode: enc, owner: v, maxBuffer: maxBuf}
	},
}

// customFramer frames in Lua, on the VM that made it: the loop hands the
// bytes over as they come and decode(buf) cuts them.
type customFramer struct {
	decode, encode *lua.LFunction
	owner          host.VM
	maxBuffer      int // bytes decode may leave unframed
}

// DefaultCustomMaxBuffer is codec.custom's max_buffer when not given: the
// bytes a conn may hold that decode has not cut into a frame.
const DefaultCustomMaxBuffer = 1 << 20

func (f *customFramer) Name() string           { return "custom" }
func (f *customFramer) Splitter() codecs.Codec { return nil }
func (f *customFramer) Owner() host.VM         { return f.owner }

func (f *customFramer) Conn(v host.VM) ConnFramer { return &customConn{f: f, v: v} }

// customConn keeps the bytes decode has not taken yet.
type customConn struct {
	f   *customFramer
	v   host.VM
	buf codecBuf
}

func (c *customConn) Decode(L *lua.LState, data []byte, out Sink) error {
	c.buf.b = append(c.buf.b, data...)
	ud := L.NewUserData()
	ud.Value = &c.buf
	L.SetMetatable(ud, bufMeta(L))
	for len(c.buf.b) > 0 {
		before := len(c.buf.b)
		frame, err := c.v.CallNow(c.f.decode, ud)
		if err != nil {
			c.v.Logf("codec.custom decode: %v", err)
			return fmt.Errorf("corrupted_frame: %v", err)
		}
		if frame == lua.LNil {
			break
		}
		out.Push(frame)
		if len(c.buf.b) == before {
			break // a frame without taking bytes: stop rather than spin
		}
	}
	if len(c.buf.b) == 0 {
		c.buf.b = nil
	}
	if n := len(c.buf.b); n > c.f.maxBuffer {
		c.buf.b = nil
		return fmt.Errorf("too_long_frame: codec.custom holds %d bytes that decode has not cut into a frame (max_buffer = %d)", n, c.f.maxBuffer)
	}
	return nil
}

func (c *customConn) Encode(L *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	if c.f.encode == nil {
		return append(dst, lua.LVAsString(msg)...), nil
	}
	L.Push(c.f.encode)
	L.Push(msg)
	L.Call(1, 1)
	out := L.Get(-1)
	L.Pop(1)
	s, ok := out.(lua.LString)
	if !ok {
		return nil, fmt.Errorf("codec.custom encode returned a %s, not a string", out.Type())
	}
	return append(dst, s...), nil
}

// codecBuf is the buffer codec.custom's decode sees. VM goroutine only.
type codecBuf struct{ b []byte }

const bufType = "netplay.codecbuf"

// bufMeta returns the buffer type's metatable, made on first use in L.
func bufMeta(L *lua.LState) *lua.LTable {
	if mt, ok := L.GetTypeMetatable(bufType).(*lua.LTable); ok {
		return mt
	}
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
	L.SetField(mt, "__index", luautil.StrictMethods(L, L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
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
	return mt
}
