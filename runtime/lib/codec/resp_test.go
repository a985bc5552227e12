package codec

import (
	"fmt"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestAppendLuaRESP checks each row of docs/codecs.md's "Lua values and
// RESP" table, and the errors.
func TestAppendLuaRESP(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
deep = {}
local t = deep
for i = 1, 70 do t[1] = {}; t = t[1] end
cases = {
  {"hello", "$5\r\nhello\r\n"},
  {"", "$0\r\n\r\n"},
  {42, ":42\r\n"},
  {-7, ":-7\r\n"},
  {1.5, "$3\r\n1.5\r\n"},
  {false, "$-1\r\n"},
  {true, ":1\r\n"},
  {{"a", 1, {ok = "OK"}}, "*3\r\n$1\r\na\r\n:1\r\n+OK\r\n"},
  {{}, "*0\r\n"},
  {{ok = "OK"}, "+OK\r\n"},
  {{ok = "two\r\nlines"}, "+two  lines\r\n"},
  {{err = "ERR unknown command"}, "-ERR unknown command\r\n"},
}`); err != nil {
		t.Fatal(err)
	}
	cases := L.GetGlobal("cases").(*lua.LTable)
	for i := 1; i <= cases.Len(); i++ {
		c := cases.RawGetInt(i).(*lua.LTable)
		got, err := appendLuaRESP([]byte("prefix"), c.RawGetInt(1), 0)
		want := "prefix" + c.RawGetInt(2).String()
		if err != nil || string(got) != want {
			t.Errorf("case %d: %q, %v; want %q", i, got, err, want)
		}
	}
	if got, err := appendLuaRESP(nil, lua.LNil, 0); err != nil || string(got) != "$-1\r\n" {
		t.Errorf("nil: %q, %v", got, err)
	}
	if _, err := appendLuaRESP(nil, L.GetGlobal("deep"), 0); err == nil || !strings.Contains(err.Error(), "nested too deep") {
		t.Errorf("deep: %v", err)
	}
	if _, err := appendLuaRESP(nil, L.NewFunction(func(*lua.LState) int { return 0 }), 0); err == nil || !strings.Contains(err.Error(), "cannot send a function as RESP") {
		t.Errorf("function: %v", err)
	}
}

// TestArgsToLuaNames checks that a command's table holds its arguments
// whether or not its name came from the VM's name cache, and that a client
// sending new names cannot grow the cache past its bound.
func TestArgsToLuaNames(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	var names nameCache
	long := strings.Repeat("n", maxCachedNameLen+1)
	var buf []byte
	for round := 0; round < 2; round++ { // the second round reads the cache
		for _, args := range [][]string{{"GET", "k"}, {"SET", "key", "value"}, {"PING"}, {long, "a", ""}, {""}} {
			raw := make([][]byte, len(args))
			for i, a := range args {
				raw[i] = []byte(a)
			}
			var tbl *lua.LTable
			tbl, buf = argsToLua(L, &names, raw, buf)
			clear(buf[:cap(buf)]) // the table must not alias the scratch buffer
			if tbl.Len() != len(args) {
				t.Fatalf("round %d %q: table of %d", round, args, tbl.Len())
			}
			for i, a := range args {
				if got := tbl.RawGetInt(i + 1); got != lua.LString(a) {
					t.Errorf("round %d %q: [%d] = %q", round, args, i+1, got)
				}
			}
		}
	}
	if _, ok := names.m[long]; ok {
		t.Errorf("a name of %d bytes was cached (limit %d)", len(long), maxCachedNameLen)
	}
	if v, ok := names.m["GET"]; !ok || v != lua.LString("GET") {
		t.Errorf("GET not cached: %v", v)
	}
	for i := 0; i < 3*maxCachedNames; i++ {
		name := []byte(fmt.Sprintf("CMD%d", i))
		if got := names.get(name); got != lua.LString(name) {
			t.Fatalf("get(%s) = %v", name, got)
		}
	}
	if len(names.m) != maxCachedNames {
		t.Errorf("cache holds %d names, want the bound %d", len(names.m), maxCachedNames)
	}
}
