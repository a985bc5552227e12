package json

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	lua "github.com/yuin/gopher-lua"
)

// json uses Go's encoding/json for parsing and printing: it is maintained
// with the toolchain, strict (RFC 8259) and fast enough for a playground;
// only the Lua <-> Go value mapping lives here.
// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the json Lua module.
var Module = host.NewModule(docMD, host.All, func(v host.VM) *lua.LTable {
	L := v.L()
	mem := memwatch.Of(v.Shared)
	null := L.NewUserData()
	null.Value = jsonNull{}
	mt := L.NewTable()
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("json.null")); return 1 }))
	L.SetMetatable(null, mt)
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode": func(L *lua.LState) int {
			var size int64
			gv, err := luaToJSON(L.CheckAny(1), 0, &size)
			if u, ok := err.(*unencodable); ok {
				// a conn or a function where data belongs is a bug in the
				// script, not a value to report: raise, naming it
				L.RaiseError("json.encode: cannot encode %s%s (%s); only nil, json.null, booleans, numbers, strings and tables",
					article(u.v.Type().String()), u.path, luautil.ToString(L, u.v))
			}
			if err == nil {
				// a table can hold one big string many times: the text
				// can be far larger than the table
				mem.Check(L, "json.encode", size)
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				if err = enc.Encode(gv); err == nil {
					L.Push(lua.LString(bytes.TrimRight(buf.Bytes(), "\n")))
					return 1
				}
			}
			L.Push(lua.LNil)
			L.Push(lua.LString("json.encode: " + err.Error()))
			return 2
		},
		"decode": func(L *lua.LState) int {
			src := L.CheckString(1)
			mem.Check(L, "json.decode", decodeSize(src))
			dec := json.NewDecoder(strings.NewReader(src))
			dec.UseNumber()
			var gv any
			err := dec.Decode(&gv)
			if err == nil && dec.More() {
				err = fmt.Errorf("trailing data after the value")
			}
			if err != nil {
				L.Push(lua.LNil)
				L.Push(lua.LString("json.decode: " + err.Error()))
				return 2
			}
			L.Push(jsonToLua(L, gv, null))
			return 1
		},
	})
	t.RawSetString("null", null)
	return t
})

type jsonNull struct{}

// unencodable is luaToJSON's error for a value JSON has no form for (a
// userdata, function or thread) at path (" at .a[2]", "" at the top).
type unencodable struct {
	v    lua.LValue
	path string
}

func (u *unencodable) Error() string { return "cannot encode a " + u.v.Type().String() + u.path }

func article(t string) string {
	if t == "userdata" {
		return "a userdata value"
	}
	return "a " + t
}

const maxJSONDepth = 200

// luaToJSON maps a Lua value onto what encoding/json prints, adding to
// *size about the bytes it will print (strings as they are: escapes can
// make them up to 6 times longer).
func luaToJSON(v lua.LValue, depth int, size *int64) (any, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested too deep (a cycle?)")
	}
	*size += 8 // a number, a literal, punctuation
	switch x := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(x), nil
	case lua.LNumber:
		f := float64(x)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("cannot encode %v", f)
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(f), 10)), nil
		}
		return f, nil
	case lua.LString:
		*size += int64(len(x))
		return string(x), nil
	case *lua.LUserData:
		if _, ok := x.Value.(jsonNull); ok {
			return nil, nil
		}
	case *lua.LTable:
		n := x.Len()
		count := 0
		x.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if n > 0 && n == count {
			arr := make([]any, n)
			for i := 1; i <= n; i++ {
				e, err := luaToJSON(x.RawGetInt(i), depth+1, size)
				if err != nil {
					return nil, atPath(err, "["+strconv.Itoa(i)+"]")
				}
				arr[i-1] = e
			}
			return arr, nil
		}
		obj := make(map[string]any, count)
		var err error
		x.ForEach(func(k, val lua.LValue) {
			if err != nil {
				return
			}
			var key string
			switch kk := k.(type) {
			case lua.LString:
				key = string(kk)
			case lua.LNumber:
				key = luautil.FmtNumber(float64(kk))
			default:
				err = fmt.Errorf("cannot encode a %s table key", k.Type())
				return
			}
			*size += int64(len(key)) + 4
			obj[key], err = luaToJSON(val, depth+1, size)
			if err != nil {
				err = atPath(err, "."+key)
			}
		})
		return obj, err
	}
	return nil, &unencodable{v: v}
}

// atPath prefixes step to an unencodable value's path.
func atPath(err error, step string) error {
	if u, ok := err.(*unencodable); ok {
		p := strings.TrimPrefix(u.path, " at ")
		return &unencodable{v: u.v, path: " at " + step + p}
	}
	return err
}

// decodeSize estimates what decoding src holds at its peak: encoding/json's
// values and then the Lua ones, about 64 bytes for each value (one per
// '[', '{' and ',') and the text of the strings twice.
func decodeSize(src string) int64 {
	n := int64(2 * len(src))
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '[', '{', ',':
			n += 64
		}
	}
	return n
}

// jsonToLua maps a decoded value to Lua; null becomes the json.null sentinel.
func jsonToLua(L *lua.LState, v any, null lua.LValue) lua.LValue {
	switch x := v.(type) {
	case nil:
		return null
	case bool:
		return lua.LBool(x)
	case json.Number:
		f, _ := x.Float64()
		return lua.LNumber(f)
	case string:
		return lua.LString(x)
	case []any:
		t := L.CreateTable(len(x), 0)
		for i, e := range x {
			t.RawSetInt(i+1, jsonToLua(L, e, null))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.RawSetString(k, jsonToLua(L, x[k], null))
		}
		return t
	}
	return lua.LNil
}
