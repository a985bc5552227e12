package luapat

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A pcase is one call of a pattern function, written as Lua source so that
// the same call runs on gopher-lua's own string library, on this package's
// (Install) and on a real Lua 5.1 (the golden file).
type pcase struct {
	fn    string // find, match, gmatch, gsub
	s, p  string // subject and pattern
	extra string // Lua source of the arguments after the pattern, with a leading ", "
}

// prelude defines R (serialize a pcall's results) and G (gmatch's
// iterations), using no pattern function, so the code under test only runs
// in the case itself.
const prelude = `
local function esc(s)
  local t = {}
  for i = 1, #s do
    local b = s:byte(i)
    if b >= 32 and b < 127 and b ~= 92 and b ~= 124 then t[#t+1] = string.char(b) else t[#t+1] = "\\" .. b end
  end
  return table.concat(t)
end
local function val(v)
  if type(v) == "string" then return "s:" .. esc(v) end
  return type(v):sub(1, 1) .. ":" .. tostring(v)
end
function R(ok, ...)
  if not ok then return "E:" .. esc(tostring((...))) end
  local t = {}
  for i = 1, select("#", ...) do t[#t+1] = val((select(i, ...))) end
  return table.concat(t, "|")
end
function G(s, p)
  local ok, f = pcall(string.gmatch, s, p)
  if not ok then return "E:" .. esc(tostring(f)) end
  local out = {}
  for i = 1, 200 do
    local r = {pcall(f)}
    if not r[1] then out[#out+1] = "E:" .. esc(tostring(r[2])) break end
    if r[2] == nil then break end
    local t = {}
    for j = 2, #r do t[#t+1] = val(r[j]) end
    out[#out+1] = "{" .. table.concat(t, "|") .. "}"
  end
  return table.concat(out, ",")
end
FN = function(...) local t = {...} for i = 1, #t do t[i] = tostring(t[i]) end return "<" .. table.concat(t, ",") .. ">" end
FALSE = function(...) return false end
TBL = {a = "A", ab = "AB", [1] = "one", [2] = 2, x = false, b = "B", ["1"] = "str1"}
`

// luaString is s as a Lua literal: printable bytes as they are, the rest
// as \ddd.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 32 && c < 127 && c != '\\' && c != '"' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "\\%03d", c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// expr is the Lua expression that evaluates the case to one line.
func (c pcase) expr() string {
	if c.fn == "gmatch" {
		return fmt.Sprintf("G(%s, %s)", luaString(c.s), luaString(c.p))
	}
	return fmt.Sprintf("R(pcall(string.%s, %s, %s%s))", c.fn, luaString(c.s), luaString(c.p), c.extra)
}

func (c pcase) String() string {
	return fmt.Sprintf("string.%s(%s, %s%s)", c.fn, luaString(c.s), luaString(c.p), c.extra)
}

// wherePrefix is the "chunk:line: " gopher-lua puts before an error raised
// by a Go function; C Lua puts none there.
var wherePrefix = regexp.MustCompile(`^E:(<string>|\[string "[^"]*"\]|[\w.]+):\d+: `)

// runCases evaluates every case on a fresh gopher-lua state, with this
// package installed or not, and returns one line per case.
func runCases(t testing.TB, cases []pcase, install bool) []string {
	t.Helper()
	L := lua.NewState()
	defer L.Close()
	if install {
		Install(L)
	}
	if err := L.DoString(prelude); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = evalCase(L, c)
	}
	return out
}

func evalCase(L *lua.LState, c pcase) string {
	fn, err := L.LoadString("return " + c.expr())
	if err != nil {
		return "E:load: " + err.Error()
	}
	L.Push(fn)
	if err := L.PCall(0, 1, nil); err != nil {
		return "E:pcall: " + err.Error()
	}
	v := L.Get(-1)
	L.Pop(1)
	return wherePrefix.ReplaceAllString(v.String(), "E:")
}

// randomCases makes n cases from patterns built of random pattern items
// over a small alphabet, so that they often match.
func randomCases(rng *rand.Rand, n int) []pcase {
	items := []string{"a", "b", "c", ".", "%a", "%d", "%s", "%w", "%x", "%p", "%l", "%u", "%c", "%A", "%S", "%D",
		"[abc]", "[^a]", "[a-c]", "[%d%s]", "[]]", "[^%a]", "(", ")", "()", "%b()", "%bab", "%f[%a]", "%f[%A]",
		"%1", "%2", "^", "$", "%.", "%%", "-", "x", " ", "1", "(a)", "(%a+)", "[a-]", "%z"}
	quants := []string{"", "", "", "*", "+", "-", "?"}
	subjects := []string{"abc", "aabbcc", "a b c", "(a(b)c)", "x1 y22 z333", "  trim me  ", "abab", "", "a.b-c%d",
		"hello world", "ABC abc 123", "((()))", "aaa", "\x00a\x00", "key=val; k2 = v2"}
	alphabet := "abc()% .-1x\x00"
	cases := make([]pcase, 0, n)
	for len(cases) < n {
		var p strings.Builder
		for range 1 + rng.IntN(5) {
			p.WriteString(items[rng.IntN(len(items))])
			p.WriteString(quants[rng.IntN(len(quants))])
		}
		var s string
		if rng.IntN(3) == 0 {
			var b strings.Builder
			for range rng.IntN(12) {
				b.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
			s = b.String()
		} else {
			s = subjects[rng.IntN(len(subjects))]
		}
		switch rng.IntN(6) {
		case 0:
			cases = append(cases, pcase{fn: "find", s: s, p: p.String(), extra: fmt.Sprintf(", %d", rng.IntN(9)-3)})
		case 1:
			cases = append(cases, pcase{fn: "find", s: s, p: p.String()})
		case 2:
			cases = append(cases, pcase{fn: "match", s: s, p: p.String()})
		case 3:
			cases = append(cases, pcase{fn: "gmatch", s: s, p: p.String()})
		case 4:
			repl := []string{`"<%0>"`, `"%1"`, `"-"`, `""`, "FN", "TBL", `"%%"`, `"%2%1"`}[rng.IntN(8)]
			cases = append(cases, pcase{fn: "gsub", s: s, p: p.String(), extra: ", " + repl})
		default:
			cases = append(cases, pcase{fn: "gsub", s: s, p: p.String(), extra: fmt.Sprintf(", FN, %d", rng.IntN(4))})
		}
	}
	return cases
}
