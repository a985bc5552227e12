package luapat

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// benchCases are patterns a netplay script typically runs per message.
var benchCases = []struct{ name, src string }{
	{"find_plain", `local a, b = s1:find("world", 1, true)`},
	{"find_digits", `local a, b = s2:find("%d+")`},
	{"match_trim", `local a = s3:match("^%s*(.-)%s*$")`},
	{"match_kv", `local k, v = s4:match("^(%w+)%s*=%s*(%w+)$")`},
	{"match_request_line", `local m, p, a, b = s5:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")`},
	{"gsub_spaces", `local r = s6:gsub("%s+", " ")`},
	{"gsub_func", `local r = s6:gsub("%a+", string.upper)`},
	{"gmatch_words", `local n = 0 for w in s6:gmatch("%a+") do n = n + 1 end`},
}

const benchSetup = `
s1 = "hello world, hello netplay"
s2 = "GET /items/12345 HTTP/1.1"
s3 = "   some text with spaces around it   "
s4 = "maxconns = 4096"
s5 = "GET /index.html HTTP/1.1"
s6 = "the quick  brown fox   jumps over the lazy dog, then the   quick cat naps"
`

// BenchmarkPatterns compares gopher-lua's string library (gopher) with
// this package (netplay) on each case, called from Lua.
func BenchmarkPatterns(b *testing.B) {
	for _, impl := range []string{"gopher", "netplay"} {
		for _, bc := range benchCases {
			b.Run(bc.name+"/"+impl, func(b *testing.B) {
				L := lua.NewState()
				defer L.Close()
				if impl == "netplay" {
					Install(L)
				}
				if err := L.DoString(benchSetup); err != nil {
					b.Fatal(err)
				}
				// the loop runs in Lua: one Go->Lua call per benchmark
				fn, err := L.LoadString("local n = ... for i = 1, n do " + bc.src + " end")
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				L.Push(fn)
				L.Push(lua.LNumber(b.N))
				L.Call(1, 0)
			})
		}
	}
}
