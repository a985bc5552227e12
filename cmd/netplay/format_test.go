package main

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

func TestFormatValues(t *testing.T) {
	tests := []struct {
		name   string
		src    string // a chunk returning the values
		want   string // exact, unless prefix is set
		prefix bool
	}{
		{name: "nil", src: "return nil", want: "nil"},
		{name: "several", src: "return 1, true, 'x'", want: "1\ttrue\t\"x\""},
		{name: "float", src: "return 0.5", want: "0.5"},
		{name: "escapes", src: `return "a\"b\\c\n\0z\1272"`, want: `"a\"b\\c\n\000z\1272"`},
		{name: "binary bytes escaped", src: `return "\255\254abc"`, want: `"\255\254abc"`},
		{name: "utf-8 text kept", src: `return "héllo ✓"`, want: `"héllo ✓"`},
		{name: "unprintable rune escaped", src: `return "a\226\128\139b"`, want: `"a\226\128\139b"`}, // U+200B
		{name: "empty table", src: "return {}", want: "{}"},
		{name: "array then sorted keys", src: "return {10, 20, z = 1, a = 2, [5] = 'five', ['not id'] = true}",
			want: `{ 10, 20, a = 2, ["not id"] = true, z = 1, [5] = "five" }`},
		{name: "keyword key quoted", src: "return {['end'] = 1}", want: `{ ["end"] = 1 }`},
		{name: "nested", src: "return {a = {b = {c = {d = 1}}}}", want: "{ a = { b = { c = table: 0x", prefix: true},
		{name: "function", src: "return print", want: "function: ", prefix: true},
		{name: "long table breaks lines", src: "local t = {} for i = 1, 12 do t['key' .. i] = 'value' .. i end return t",
			want: "{\n  key1 = \"value1\",\n  key10 = ", prefix: true},
	}
	L := lua.NewState()
	defer L.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := L.GetTop()
			if err := L.DoString(tt.src); err != nil {
				t.Fatal(err)
			}
			var vals []lua.LValue
			for i := top + 1; i <= L.GetTop(); i++ {
				vals = append(vals, L.Get(i))
			}
			L.SetTop(top)
			got := formatValues(L, vals, false)
			if tt.prefix && !strings.HasPrefix(got, tt.want) || !tt.prefix && got != tt.want {
				t.Fatalf("got\n%s\nwant (prefix=%v)\n%s", got, tt.prefix, tt.want)
			}
		})
	}
}

func TestFormatLimits(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	run := func(src string) string {
		t.Helper()
		if err := L.DoString(src); err != nil {
			t.Fatal(err)
		}
		v := L.Get(-1)
		L.Pop(1)
		return formatValues(L, []lua.LValue{v}, false)
	}
	if got := run("local t = {} for i = 1, 100 do t[i] = i end return t"); !strings.Contains(got, "… (70 more)") || strings.Contains(got, " 31,") {
		t.Fatalf("array of 100 not cut at %d items: %s", maxItems, got)
	}
	if got := run("local t = {} for i = 1, 50 do t['k' .. i] = i end return t"); !strings.Contains(got, "… (20 more)") {
		t.Fatalf("hash of 50 not cut at %d items: %s", maxItems, got)
	}
	if got := run("local t = {} t.self = t return t"); !strings.Contains(got, "self = <cycle table: 0x") {
		t.Fatalf("cycle not shown: %s", got)
	}
	if got := run("return {s = string.rep('x', 1000)}"); !strings.Contains(got, "…(+800 bytes)") {
		t.Fatalf("long inner string not cut: %s", got)
	}
	if got := run("return string.rep('x', 5000)"); !strings.HasSuffix(got, "…(+904 bytes)") {
		t.Fatalf("long top-level string not cut: %s", got[len(got)-40:])
	}
}

func TestFormatUserdataToString(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	mt := L.NewTypeMetatable("netplay.test")
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("conn#7 127.0.0.1:9000"))
		return 1
	}))
	ud := L.NewUserData()
	ud.Metatable = mt
	broken := L.NewUserData()
	bmt := L.NewTable()
	L.SetField(bmt, "__tostring", L.NewFunction(func(L *lua.LState) int { L.RaiseError("nope"); return 0 }))
	broken.Metatable = bmt
	got := formatValues(L, []lua.LValue{ud, broken}, false)
	if !strings.HasPrefix(got, "conn#7 127.0.0.1:9000\tuserdata: ") {
		t.Fatalf("got %q", got)
	}
}

func TestFormatColor(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	got := formatValues(L, []lua.LValue{lua.LString("hi")}, true)
	if got != colorGreen+`"hi"`+colorReset {
		t.Fatalf("got %q", got)
	}
	tests := []struct {
		name    string
		tty     bool
		noColor string // "-" unset
		term    string
		want    bool
	}{
		{name: "tty", tty: true, noColor: "-", term: "xterm", want: true},
		{name: "not a tty", tty: false, noColor: "-", term: "xterm", want: false},
		{name: "NO_COLOR", tty: true, noColor: "", term: "xterm", want: false},
		{name: "dumb", tty: true, noColor: "-", term: "dumb", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("TERM", tt.term)
			t.Setenv("NO_COLOR", tt.noColor)
			if tt.noColor == "-" {
				if err := unsetenv(t, "NO_COLOR"); err != nil {
					t.Fatal(err)
				}
			}
			if got := useColor(tt.tty); got != tt.want {
				t.Fatalf("useColor = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestQuoteLuaRoundTrip prints random byte strings as the shell does and
// reads the literal back with gopher-lua's parser: the bytes must be the
// same, and the printed form must be valid UTF-8 with no control bytes, so
// that a terminal shows every byte.
func TestQuoteLuaRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "0", "9", "\\", "\"", "'", "\n", "\r", "\t", "\x00", "\x7f", "\xff", "\xfe", "\x80",
		"é", "✓", "\u200b", "\xef\xbf\xbd", "\xe2\x9c", "]]", "\x1b[31m"}
	L := lua.NewState()
	defer L.Close()
	for i := range 2000 {
		var b strings.Builder
		for range rng.IntN(24) {
			if rng.IntN(3) == 0 {
				b.WriteByte(byte(rng.IntN(256)))
			} else {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
		}
		in := b.String()
		lit := quoteLua(in, 1<<20)
		if !utf8.ValidString(lit) {
			t.Fatalf("case %d: %q printed as invalid UTF-8 %q", i, in, lit)
		}
		for _, r := range lit {
			if r < 0x20 || r == 0x7f || !unicode.IsPrint(r) && r != ' ' {
				t.Fatalf("case %d: %q printed with the raw character %U: %q", i, in, r, lit)
			}
		}
		if err := L.DoString("return " + lit); err != nil {
			t.Fatalf("case %d: %q printed as %s, which does not parse: %v", i, in, lit, err)
		}
		got := L.Get(-1)
		L.Pop(1)
		if s, ok := got.(lua.LString); !ok || string(s) != in {
			t.Fatalf("case %d: %q printed as %s reads back as %q", i, in, lit, got)
		}
	}
}
