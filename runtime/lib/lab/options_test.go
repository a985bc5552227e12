package lab

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckOptionsStrict: a typo in an option table of the check module
// (a stage's hint, an expect's what) stops the checker with an error that
// names the lab's check.lua line, the key and the closest valid one.
func TestCheckOptionsStrict(t *testing.T) {
	for _, tc := range []struct{ name, check, want string }{
		{name: "stage", check: `
check.stage{name = "one", hnt = "typo", run = function() end}
`, want: "99-test/check.lua:2: check.stage: unknown option 'hnt' (did you mean 'hint'?)"},
		{name: "expect", check: `
check.stage{name = "one", run = function()
  check.expect(1, 1, {wat = "the reply"})
end}
check.stage{name = "two", run = function() end}
`, want: "99-test/check.lua:3: check.expect: unknown option 'wat' (did you mean 'what'?)"},
		{name: "connect", check: `
check.stage{name = "one", run = function()
  check.connect{wiat = 1}
end}
check.stage{name = "two", run = function() end}
`, want: "99-test/check.lua:3: check.connect: unknown option 'wiat' (did you mean 'wait'?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Check(fakeLab(tc.check), filepath.Join(t.TempDir(), "starter.lua"),
				CheckOptions{Out: &out, Bin: fakeLearner(t)})
			msg := out.String()
			if err != nil {
				msg += "\nerr: " + err.Error()
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("report lacks %q:\n%s", tc.want, msg)
			}
		})
	}
}
