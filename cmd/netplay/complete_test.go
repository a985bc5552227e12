package main

import (
	"os"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func unsetenv(t *testing.T, key string) error {
	t.Helper()
	return os.Unsetenv(key) // t.Setenv before restores it at cleanup
}

func TestComplete(t *testing.T) {
	s, _, vm := newTestShell(t, nil)
	err := vm.Do(func(L *lua.LState) {
		err := L.DoString(`
			net = {listen = function() end, connect = function() end, dial = function() end, limit = 3}
			Conn = {}
			Conn.__index = Conn
			function Conn:send() end
			function Conn:receive() end
			Conn.kind = "tcp"
			c = setmetatable({id = 1}, Conn)
			trap_hit = false
			trap = setmetatable({}, {__index = function() trap_hit = true end})
			deep = {a = {bb = {ccc = 1}}}
		`)
		if err != nil {
			t.Error(err)
		}
		ud := L.NewUserData()
		mt := L.NewTable()
		methods := L.NewTable()
		L.SetField(methods, "close", L.NewFunction(func(*lua.LState) int { return 0 }))
		L.SetField(methods, "conns", L.NewFunction(func(*lua.LState) int { return 0 }))
		L.SetField(mt, "__index", methods)
		ud.Metatable = mt
		L.SetGlobal("srv", ud)

		// a conn: __index is a function ("local", a keyword, is not
		// offered: c.local does not parse); the metatable lists its methods
		// (__methods) and fields (__fields) beside it
		conn := L.NewUserData()
		cmt := L.NewTable()
		cmethods := L.NewTable()
		L.SetField(cmethods, "send", L.NewFunction(func(*lua.LState) int { return 0 }))
		L.SetField(cmethods, "receive", L.NewFunction(func(*lua.LState) int { return 0 }))
		L.SetField(cmt, "__index", L.NewFunction(func(L *lua.LState) int {
			L.SetGlobal("trap_hit", lua.LTrue)
			return 0
		}))
		L.SetField(cmt, "__methods", cmethods)
		fields := L.NewTable()
		for _, f := range []string{"id", "remote", "local", "local_addr", "data", "not an identifier"} {
			fields.Append(lua.LString(f))
		}
		L.SetField(cmt, "__fields", fields)
		conn.Metatable = cmt
		L.SetGlobal("conn", conn)
		// a promoted conn: its own metatable is its __index, the type's behind it
		own := L.NewTable()
		own.Metatable = cmt
		L.SetField(own, "__index", own)
		L.SetField(own, "id", lua.LNumber(3))
		promoted := L.NewUserData()
		promoted.Metatable = own
		L.SetGlobal("pconn", promoted)
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		text      string
		want      []string
		prefixLen int
	}{
		{name: "field", text: "net.li", want: []string{"limit", "listen"}, prefixLen: 2},
		{name: "field in an expression", text: "x = net.con", want: []string{"connect"}, prefixLen: 3},
		{name: "all fields", text: "net.", want: []string{"connect", "dial", "limit", "listen"}, prefixLen: 0},
		{name: "global", text: "dee", want: []string{"deep"}, prefixLen: 3},
		{name: "keyword", text: "funct", want: []string{"function"}, prefixLen: 5},
		{name: "method through __index", text: "c:re", want: []string{"receive"}, prefixLen: 2},
		{name: "methods only after colon", text: "c:", want: []string{"receive", "send"}, prefixLen: 0},
		{name: "own and inherited fields", text: "c.", want: []string{"id", "kind", "receive", "send"}, prefixLen: 0},
		{name: "userdata methods", text: "srv:c", want: []string{"close", "conns"}, prefixLen: 1},
		{name: "conn fields and methods", text: "conn.", want: []string{"data", "id", "local_addr", "receive", "remote", "send"}, prefixLen: 0},
		{name: "conn field prefix", text: "conn.re", want: []string{"receive", "remote"}, prefixLen: 2},
		{name: "conn methods only after colon", text: "conn:", want: []string{"receive", "send"}, prefixLen: 0},
		{name: "promoted conn fields", text: "pconn.", want: []string{"data", "id", "local_addr", "receive", "remote", "send"}, prefixLen: 0},
		{name: "nested path", text: "deep.a.b", want: []string{"bb"}, prefixLen: 1},
		{name: "unknown path", text: "nothing.x", want: nil, prefixLen: 1},
		{name: "index function not called", text: "trap.x", want: nil, prefixLen: 1},
		{name: "inside a string", text: `print("net.li`, want: nil},
		{name: "command", text: ":he", want: []string{":help"}, prefixLen: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := s.complete(tt.text, len(tt.text))
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || (len(tt.want) > 0 && n != tt.prefixLen) {
				t.Fatalf("complete(%q) = %q, %d; want %q, %d", tt.text, got, n, tt.want, tt.prefixLen)
			}
		})
	}
	vm.Do(func(L *lua.LState) {
		if L.GetGlobal("trap_hit") != lua.LFalse {
			t.Error("completion ran an __index function")
		}
	})
}
