package runtime

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// TestSharedDictPerRuntime checks that shared.dict belongs to its Runtime:
// a second Runtime in the same process (a lab checker beside the learner's
// script) sees none of the first one's keys, and each sees its own.
func TestSharedDictPerRuntime(t *testing.T) {
	a, _, _ := newTestRuntime(t, Options{})
	b, _, _ := newTestRuntime(t, Options{})
	if err := a.RunString("a.lua", `shared.dict("d"):set("k", "from a")`); err != nil {
		t.Fatal(err)
	}
	if err := b.RunString("b.lua", `assert(shared.dict("d"):get("k") == nil, "b sees a's key"); shared.dict("d"):set("k", "from b")`); err != nil {
		t.Fatal(err)
	}
	var got string
	a.Do(func(L *lua.LState) {
		L.DoString(`K = shared.dict("d"):get("k")`)
		got = lua.LVAsString(L.GetGlobal("K"))
	})
	if got != "from a" {
		t.Errorf("a's key is %q after b set its own", got)
	}
}
