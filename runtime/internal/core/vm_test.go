package core

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// type() is replaced by luaType: the same answers as gopher-lua's, without
// an allocation per call.
func TestTypeMatchesLua(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	L.SetGlobal("otype", L.GetGlobal("type"))
	L.SetGlobal("ntype", L.NewFunction(luaType))
	L.SetGlobal("ud", L.NewUserData())
	if err := L.DoString(`
local vals = {n = 8, nil, true, 1.5, "s", print, {}, coroutine.create(function() end), ud}
for i = 1, vals.n do
  assert(ntype(vals[i]) == otype(vals[i]), otype(vals[i]))
end
assert(not pcall(ntype), "type() without an argument is an error")`); err != nil {
		t.Fatal(err)
	}
	if err := L.DoString(`function loop(f) for i = 1, 100 do local _ = f(i) end end`); err != nil {
		t.Fatal(err)
	}
	allocs := func(name string) float64 {
		return testing.AllocsPerRun(50, func() {
			if err := L.CallByParam(lua.P{Fn: L.GetGlobal("loop"), Protect: true}, L.GetGlobal(name)); err != nil {
				t.Fatal(err)
			}
		})
	}
	if n, o := allocs("ntype"), allocs("otype"); n > 1 || o < 100 {
		t.Errorf("allocations per 100 calls: type %v, gopher-lua's type %v", n, o)
	}
}
