package luapat

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// goldenFile holds what a real Lua 5.1 (the C interpreter, 5.1.5) answers
// for every case of allCases, one "case<TAB>result" line each. Regenerate
// it with NETPLAY_LUA51=/usr/bin/lua5.1 go test -run TestLua51Golden.
const goldenFile = "testdata/lua51.golden"

func allCases() []pcase {
	return append(handCases(), randomCases(rand.New(rand.NewPCG(51, 1)), 3000)...)
}

// TestLua51Golden checks this package against Lua 5.1 itself on every case.
func TestLua51Golden(t *testing.T) {
	cases := allCases()
	if lua := os.Getenv("NETPLAY_LUA51"); lua != "" {
		writeGolden(t, lua, cases)
	}
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%s has %d lines for %d cases: regenerate it", goldenFile, len(lines), len(cases))
	}
	got := runCases(t, cases, true)
	bad := 0
	for i, c := range cases {
		name, want, _ := strings.Cut(lines[i], "\t")
		if name != c.String() {
			t.Fatalf("line %d of %s is for %s, not %s: regenerate it", i+1, goldenFile, name, c)
		}
		if normArgError(got[i]) != normArgError(want) {
			if bad++; bad <= 30 {
				t.Errorf("%s\n   got  %s\n   lua5.1 %s", c, got[i], want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cases differ from Lua 5.1", bad, len(cases))
	}
	t.Logf("%d cases agree with Lua 5.1", len(cases)-bad)
}

// argErrorRE matches the function name in "bad argument #3 to 'gsub' (…)",
// which says how the interpreter names a function, not what it did.
var argErrorRE = regexp.MustCompile(`bad argument #(\d+) to \S+ \(`)

func normArgError(s string) string { return argErrorRE.ReplaceAllString(s, "bad argument #$1 (") }

func writeGolden(t *testing.T, lua string, cases []pcase) {
	var script strings.Builder
	script.WriteString(prelude)
	for _, c := range cases {
		script.WriteString("print(" + c.expr() + ")\n")
	}
	cmd := exec.Command(lua, "-")
	cmd.Stdin = strings.NewReader(script.String())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", lua, err, stderr.String())
	}
	results := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(results) != len(cases) {
		t.Fatalf("%s printed %d lines for %d cases", lua, len(results), len(cases))
	}
	var b strings.Builder
	for i, c := range cases {
		b.WriteString(c.String() + "\t" + results[i] + "\n")
	}
	if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
