package codec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// respClient is codec.resp{client = true}: the side of a conn that talks to
// a Redis server. Commands go out as arrays of bulk strings, as redis-cli
// sends them: a table's numbers become their decimal text (Redis refuses
// an integer where it expects a bulk string), a string command is split on
// spaces. Replies keep their type: a simple string is {ok = "OK"}, an error
// {err = "ERR …"}, a null codec.null (never a bare nil, which c:receive
// uses for a timeout), bulk strings strings, integers numbers, arrays
// tables.
type respClient struct{ null lua.LValue }

// nullKey keys a VM's codec.null sentinel (host.VM.Local).
type nullKey struct{}

// Null returns v's codec.null: the value a RESP null reply decodes to in
// client mode, one per VM so replies compare equal to it.
func Null(v host.VM) lua.LValue {
	return v.Local(nullKey{}, func() any {
		L := v.L()
		ud := L.NewUserData()
		ud.Value = nullKey{}
		mt := L.NewTable()
		mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LString("codec.null"))
			return 1
		}))
		L.SetMetatable(ud, mt)
		return lua.LValue(ud)
	}).(lua.LValue)
}

func (c respClient) Decode(L *lua.LState, frame []byte, out Sink) error {
	v, err := codecs.ParseRESP(frame)
	if err != nil {
		return err
	}
	out.Push(c.toLua(L, v))
	return nil
}

func (c respClient) toLua(L *lua.LState, v codecs.RESPValue) lua.LValue {
	if v.Null || v.Type == 0 {
		return c.null
	}
	switch v.Type {
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(v.Str))
		return t
	case '$':
		return lua.LString(v.Str)
	case ':':
		return lua.LNumber(v.Int)
	case '-':
		t := L.CreateTable(0, 1)
		t.RawSetString("err", lua.LString(v.Str))
		return t
	case '*':
		t := L.CreateTable(len(v.Array), 0)
		for i, e := range v.Array {
			t.RawSetInt(i+1, c.toLua(L, e))
		}
		return t
	}
	return c.null
}

func (c respClient) Encode(_ *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	switch x := msg.(type) {
	case lua.LString:
		args := strings.Fields(string(x))
		if len(args) == 0 {
			return dst, fmt.Errorf("codec.resp client: empty command")
		}
		dst = codecs.AppendRESPArrayHeader(dst, len(args))
		for _, a := range args {
			dst = codecs.AppendRESPBulk(dst, a)
		}
		return dst, nil
	case *lua.LTable:
		n := x.Len()
		if n == 0 {
			return dst, fmt.Errorf("codec.resp client: empty command (a command is {\"SET\", \"k\", 5} or \"PING\")")
		}
		dst = codecs.AppendRESPArrayHeader(dst, n)
		for i := 1; i <= n; i++ {
			switch a := x.RawGetInt(i).(type) {
			case lua.LString:
				dst = codecs.AppendRESPBulk(dst, a)
			case lua.LNumber:
				var num [32]byte
				f := float64(a)
				if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
					dst = codecs.AppendRESPBulk(dst, strconv.AppendInt(num[:0], int64(f), 10))
				} else {
					dst = codecs.AppendRESPBulk(dst, strconv.AppendFloat(num[:0], f, 'g', 17, 64))
				}
			default:
				return dst, fmt.Errorf("codec.resp client: command argument #%d is a %s; arguments are strings or numbers", i, a.Type())
			}
		}
		return dst, nil
	}
	return dst, fmt.Errorf("codec.resp client: a command is a table or a string, got a %s", msg.Type())
}
