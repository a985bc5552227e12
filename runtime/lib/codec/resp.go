package codec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

var respOpts = luautil.NewOptions("codec.resp", "commands_only:boolean", "client:boolean", "max_bulk_length:integer",
	"max_multibulk_length:integer", "max_inline_length:integer", "max_depth:integer")

// DefaultRESPMaxBulk is codec.resp's max_bulk_length when not given: 64 MiB,
// not Redis's 512 MiB, so that a few peers cannot make a playground
// server buffer gigabytes.
const DefaultRESPMaxBulk = 64 << 20

var respKind = Kind{
	Doc: doc.Func("resp"),
	New: func(L *lua.LState, _ host.VM) Framer {
		o := respOpts.Table(L, 1)
		commands := luautil.OptBool(L, o, "commands_only", false)
		client := luautil.OptBool(L, o, "client", false)
		if client && commands {
			L.ArgError(1, "codec.resp: client and commands_only exclude each other (a client reads replies)")
		}
		spec := codecs.RESP(codecs.RESPOptions{
			MaxBulkLength:      int64(luautil.OptIntIn(L, "codec.resp", o, "max_bulk_length", DefaultRESPMaxBulk, 1, luautil.MaxSize)),
			MaxMultibulkLength: int64(luautil.OptIntIn(L, "codec.resp", o, "max_multibulk_length", 0, 0, 1<<24)),
			MaxInlineLength:    luautil.OptIntIn(L, "codec.resp", o, "max_inline_length", 0, 0, luautil.MaxSize),
			MaxDepth:           luautil.OptIntIn(L, "codec.resp", o, "max_depth", 0, 0, 1024),
			CommandsOnly:       commands})
		return &respFramer{spec: spec, commands: commands, client: client}
	},
}

// respFramer maps RESP to Lua values and back (docs/codecs.md). With
// commands_only, messages are commands: tables of strings built with one
// allocation for their bytes.
type respFramer struct {
	spec     codecs.Spec
	commands bool
	client   bool // codec.resp{client = true}: respclient.go
}

func (f *respFramer) Name() string           { return "resp" }
func (f *respFramer) Splitter() codecs.Codec { return respSplitter{f.spec.New()} }

// respSplitter is the RESP splitter of one conn; it answers a protocol
// error as Redis does before the conn closes.
type respSplitter struct{ codecs.Codec }

// ErrorReply is "-ERR Protocol error: …\r\n" (Redis's reply to bad input,
// which redis-cli prints) for err, a RESP frame error such as
// "corrupted_frame: Protocol error: invalid multibulk length".
func (respSplitter) ErrorReply(err error) []byte {
	msg := err.Error()
	if i := strings.Index(msg, "Protocol error: "); i >= 0 {
		msg = msg[i+len("Protocol error: "):]
	}
	msg = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, msg)
	return []byte("-ERR Protocol error: " + msg + "\r\n")
}
func (f *respFramer) Owner() host.VM { return nil }

// namesKey keys a VM's nameCache (host.VM.Local).
type namesKey struct{}

func (f *respFramer) Conn(v host.VM) ConnFramer {
	if f.client {
		return respClient{null: Null(v)}
	}
	if !f.commands {
		return respValues{}
	}
	return &respCommands{names: v.Local(namesKey{}, func() any { return &nameCache{} }).(*nameCache)}
}

// respValues decodes any RESP value.
type respValues struct{}

func (respValues) Decode(L *lua.LState, frame []byte, out Sink) error {
	v, err := codecs.ParseRESP(frame)
	if err != nil {
		return err
	}
	out.Push(respToLua(L, v, true))
	return nil
}

func (respValues) Encode(_ *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	return appendLuaRESP(dst, msg, 0)
}

// maxScratch bounds the buffers a conn keeps between commands.
const maxScratch = 64 << 10

// respCommands decodes commands; its buffers are reused from one command
// to the next.
type respCommands struct {
	names    *nameCache // the VM's
	args     [][]byte   // the arguments of the frame being decoded
	argBytes []byte     // their bytes, copied together into one Lua string
}

func (c *respCommands) Decode(L *lua.LState, frame []byte, out Sink) error {
	args, err := codecs.RESPCommandArgs(c.args[:0], frame)
	if err != nil {
		return err
	}
	var t *lua.LTable
	t, c.argBytes = argsToLua(L, c.names, args, c.argBytes)
	clear(args)
	c.args = args[:0]
	if cap(c.argBytes) > maxScratch || cap(c.args) > 1024 { // a huge command: do not keep its buffers
		c.args, c.argBytes = nil, nil
	}
	out.Push(t)
	return nil
}

func (c *respCommands) Encode(_ *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	return appendLuaRESP(dst, msg, 0)
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
