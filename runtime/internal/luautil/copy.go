package luautil

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"
)

// maxCopyDepth bounds nested tables copied between VMs.
const maxCopyDepth = 100

// CopyValue copies v for another VM: nil, booleans, numbers and strings are
// immutable and shared as they are; tables are copied deeply (new tables,
// owned by nobody yet). Functions, userdata, threads and cycles are refused.
func CopyValue(v lua.LValue, depth int) (lua.LValue, error) {
	switch x := v.(type) {
	case *lua.LNilType, lua.LBool, lua.LNumber, lua.LString:
		return v, nil
	case *lua.LTable:
		if depth >= maxCopyDepth {
			return nil, fmt.Errorf("table nested deeper than %d (a cycle?)", maxCopyDepth)
		}
		t := newTable()
		var err error
		x.ForEach(func(k, val lua.LValue) {
			if err != nil {
				return
			}
			var ck, cv lua.LValue
			if ck, err = CopyValue(k, depth+1); err != nil {
				return
			}
			if cv, err = CopyValue(val, depth+1); err != nil {
				return
			}
			t.RawSet(ck, cv)
		})
		return t, err
	}
	return nil, fmt.Errorf("cannot copy a %s between VMs", v.Type())
}

// CopyValues copies a list of values; it names the failing position.
func CopyValues(vals []lua.LValue, what string) ([]lua.LValue, error) {
	out := make([]lua.LValue, len(vals))
	for i, v := range vals {
		c, err := CopyValue(v, 0)
		if err != nil {
			return nil, fmt.Errorf("%s #%d: %v", what, i+1, err)
		}
		out[i] = c
	}
	return out, nil
}

// newTable makes a table outside any VM: LState.CreateTable does not use its
// receiver, so a nil state is enough.
func newTable() *lua.LTable { return (*lua.LState)(nil).CreateTable(0, 0) }
