package luautil

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestClosest(t *testing.T) {
	names := []string{"on_message", "on_open", "on_close", "codec", "timeout", "max_length", "length_field_length", "listen", "line"}
	for _, c := range []struct{ word, want string }{
		{"on_mesage", "on_message"},  // a dropped letter
		{"on_mesasge", "on_message"}, // a swap
		{"length_field_lenght", "length_field_length"},
		{"lisen", "listen"},
		{"lin", "line"},
		{"codex", "codec"},
		{"zzzzzz", ""}, // nothing close
		{"x", ""},
	} {
		if got := Closest(c.word, names); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	o := NewOptions("net.listen", "on_message:function", "loops:integer", "codec:codec", "vm:string")
	L.SetGlobal("check", L.NewFunction(func(L *lua.LState) int { o.Table(L, 1); return 0 }))
	for _, c := range []struct{ src, want string }{
		{`check{on_mesage = print}`, "net.listen: unknown option 'on_mesage' (did you mean 'on_message'?)"},
		{`check{on_message = "x"}`, "net.listen: option 'on_message' must be a function, got string"},
		{`check{loops = 1.5}`, "net.listen: option 'loops' must be an integer, got number 1.5"},
		{`check{codec = 1}`, "net.listen: option 'codec' must be a codec, got number"},
		{`check{[1] = 2}`, "net.listen: option keys are names, got number 1"},
		{`check(5)`, "options table expected, got number"},
		{`check{on_message = print, loops = 2, vm = "loop"}`, ""},
		{`check(nil)`, ""},
	} {
		err := L.DoString(c.src)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.src, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.src, err, c.want)
		}
	}
}

func TestOptionsUnionErrAndChecker(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	o := NewOptions("p:set", "latency:number|false", "stream:string")
	L.SetGlobal("check", L.NewFunction(func(L *lua.LState) int { o.Table(L, 1); return 0 }))
	L.SetGlobal("lcheck", o.Checker(L))
	if err := L.DoString(`function stage(t) lcheck(t) end`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ src, want string }{
		{`check{latency = 0.1}`, ""},
		{`check{latency = false}`, ""},
		{`check{latency = true}`, "p:set: option 'latency' must be a number or false, got boolean"},
		{`check{latncy = 1}`, "p:set: unknown option 'latncy' (did you mean 'latency'?)"},
		{`stage{latency = 1}`, ""},
		{`stage(nil)`, ""},
		{"\n\nstage{strem = 'up'}", "<string>:3: p:set: unknown option 'strem' (did you mean 'stream'?)"},
		{`stage(4)`, "p:set: options table expected, got number"},
	} {
		err := L.DoString(c.src)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.src, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.src, err, c.want)
		}
	}
	tb := L.NewTable()
	tb.RawSetString("strem", lua.LString("x"))
	if err := o.Err(tb); err == nil || err.Error() != "p:set: unknown option 'strem' (did you mean 'stream'?)" {
		t.Errorf("Err = %v", err)
	}
}
