package luapat

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's own string library departs from Lua 5.1 in a few places;
// TestLua51Golden shows this package agrees with Lua 5.1 there. The
// comparison with gopher-lua leaves those cases out:
var (
	// %f (frontier) never matches in gopher-lua.
	gopherFrontier = regexp.MustCompile(`%f`)
	// a back-reference to a position capture: gopher-lua matches it
	// empty, Lua 5.1 never matches it.
	gopherPosBackref = regexp.MustCompile(`\(\).*%[1-9]`)
	// in a gsub replacement, '%' before a non-digit (or at the end): Lua
	// 5.1 writes that byte (a NUL at the end), gopher-lua writes both.
	gopherPercentRepl = regexp.MustCompile(`%([^0-9]|$)`)
)

// gopherDeparts reports whether gopher-lua is known to answer c unlike
// Lua 5.1 (the list above, plus: a NUL in the pattern, which ends a Lua
// 5.1 pattern; init past the end of the subject, which Lua 5.1 clamps to
// the end; find's init with an empty pattern, which gopher-lua ignores; a
// gsub maximum of 0 or less, which gopher-lua ignores too).
func gopherDeparts(c pcase, init int, hasInit bool, repl string, maxN int, hasMax bool) bool {
	switch {
	case gopherFrontier.MatchString(c.p), gopherPosBackref.MatchString(c.p), strings.IndexByte(c.p, 0) >= 0:
		return true
	case hasInit && (init > len(c.s) || init < -len(c.s)):
		return true
	case c.fn == "find" && c.p == "" && hasInit && init != 1:
		return true // gopher-lua answers 1, 0 whatever init says
	case c.fn == "gsub" && strings.HasPrefix(repl, `"`) && gopherPercentRepl.MatchString(repl):
		return true
	case c.fn == "gsub" && hasMax && maxN <= 0:
		return true
	}
	return false
}

// compareWithGopher runs c on gopher-lua's string library and on this
// package; unless gopher-lua fails or is known to depart from Lua 5.1
// there, the two must agree. It reports whether the case was compared.
func compareWithGopher(t *testing.T, stock, mine *lua.LState, c pcase, departs bool) bool {
	t.Helper()
	want, got := evalCase(stock, c), evalCase(mine, c)
	if departs || strings.HasPrefix(want, "E:") {
		return false
	}
	if want == "" { // gopher-lua's match returns nothing where Lua returns nil
		want = "n:nil"
	}
	if strings.HasPrefix(got, "E:malformed") || strings.HasPrefix(got, "E:missing") ||
		strings.HasPrefix(got, "E:unbalanced") || strings.HasPrefix(got, "E:invalid") {
		return false // gopher-lua does not check every pattern it does not reach
	}
	if got != want {
		t.Errorf("%s\n   netplay    %s\n   gopher-lua %s", c, got, want)
	}
	return true
}

func newStates(t testing.TB) (stock, mine *lua.LState) {
	stock, mine = lua.NewState(), lua.NewState()
	Install(mine)
	for _, L := range []*lua.LState{stock, mine} {
		if err := L.DoString(prelude); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { stock.Close(); mine.Close() })
	return stock, mine
}

// caseArgs reads the init/max and replacement a case passes, for
// gopherDeparts.
var extraRE = regexp.MustCompile(`^, (-?\d+)`)

func departsCase(c pcase) bool {
	var n int
	has := false
	repl := ""
	rest := c.extra
	if c.fn == "gsub" {
		repl, rest, _ = strings.Cut(strings.TrimPrefix(c.extra, ", "), ", ")
		if rest != "" {
			rest = ", " + rest
		}
	}
	if m := extraRE.FindStringSubmatch(rest); m != nil {
		has = true
		for _, d := range strings.TrimPrefix(m[1], "-") {
			n = n*10 + int(d-'0')
		}
		if strings.HasPrefix(m[1], "-") {
			n = -n
		}
	}
	return gopherDeparts(c, n, has && c.fn != "gsub", repl, n, has && c.fn == "gsub")
}

// TestAgainstGopherLua compares this package with gopher-lua's string
// library on the hand-written and random cases.
func TestAgainstGopherLua(t *testing.T) {
	stock, mine := newStates(t)
	compared := 0
	for _, c := range append(handCases(), randomCases(rand.New(rand.NewPCG(7, 7)), 1500)...) {
		if compareWithGopher(t, stock, mine, c, departsCase(c)) {
			compared++
		}
	}
	t.Logf("%d cases agree with gopher-lua", compared)
	if compared < 2500 {
		t.Errorf("only %d cases compared; the filters leave out too much", compared)
	}
}

// FuzzAgainstGopherLua compares the two on fuzzed subjects and patterns
// for each of the four functions.
func FuzzAgainstGopherLua(f *testing.F) {
	f.Add("hello world", "(%w+)", uint8(0), int8(1))
	f.Add("  trim me  ", "^%s*(.-)%s*$", uint8(1), int8(1))
	f.Add("f(a(b)c)d", "%b()", uint8(2), int8(0))
	f.Add("key=val; k2 = v2", "(%w+)%s*=%s*(%w+)", uint8(3), int8(2))
	f.Add("abab", "(a)(b)%2", uint8(4), int8(-1))
	f.Add("x1 y22 z333", "[%d]+", uint8(5), int8(3))
	f.Fuzz(func(t *testing.T, s, p string, op uint8, n int8) {
		if len(s) > 64 || len(p) > 24 {
			return // keep each case small: backtracking is exponential in the pattern
		}
		stock, mine := newStates(t)
		var c pcase
		init, hasInit, repl, hasMax := int(n), false, "", false
		switch op % 6 {
		case 0:
			c = pcase{fn: "find", s: s, p: p}
		case 1:
			c, hasInit = pcase{fn: "find", s: s, p: p, extra: ", " + itoa(init)}, true
		case 2:
			c = pcase{fn: "match", s: s, p: p}
		case 3:
			c = pcase{fn: "gmatch", s: s, p: p}
		case 4:
			repl = luaString(strings.ReplaceAll(s, "%", "%%"))
			c = pcase{fn: "gsub", s: s, p: p, extra: ", " + repl}
		default:
			repl, hasMax = "FN", true
			c = pcase{fn: "gsub", s: s, p: p, extra: ", FN, " + itoa(init)}
		}
		compareWithGopher(t, stock, mine, c, gopherDeparts(c, init, hasInit, repl, init, hasMax))
	})
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
