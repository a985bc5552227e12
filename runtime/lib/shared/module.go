// Package shared is the shared Lua module: named dictionaries every VM
// of one Runtime shares (host.VM.Shared).
package shared

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the shared Lua module.
var Module = host.NewModule(docMD, host.All, func(v host.VM) *lua.LTable {
	L := v.L()
	mt := L.NewTypeMetatable("netplay.dict")
	L.SetField(mt, "__index", luautil.StrictMethods(L, L.SetFuncs(L.NewTable(), dictMethods), "shared.dict"))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		d := checkDict(L)
		d.mu.Lock()
		n := len(d.m)
		d.mu.Unlock()
		L.Push(lua.LString(fmt.Sprintf("shared.dict %q (%d keys)", d.name, n)))
		return 1
	}))
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"dict": func(L *lua.LState) int {
			d := sharedDict(v, L.CheckString(1))
			ud := L.NewUserData()
			ud.Value = d
			L.SetMetatable(ud, mt)
			L.Push(ud)
			return 1
		},
	})
})

// dicts are one Runtime's dictionaries by name (host.VM.Shared): two
// Runtimes in one process do not share them.
type dicts struct {
	mu sync.Mutex
	m  map[string]*dict
}

type dictsKey struct{}

// sharedDict returns the dictionary called name of v's Runtime.
func sharedDict(v host.VM, name string) *dict {
	ds := v.Shared(dictsKey{}, func() any { return &dicts{m: map[string]*dict{}} }).(*dicts)
	ds.mu.Lock()
	defer ds.mu.Unlock()
	d := ds.m[name]
	if d == nil {
		d = &dict{name: name, m: map[string]dictEntry{}}
		ds.m[name] = d
	}
	return d
}

// dict is a string-keyed map of immutable Lua scalars; safe for concurrent use.
type dict struct {
	name string
	mu   sync.Mutex
	m    map[string]dictEntry
}

type dictEntry struct {
	v   lua.LValue // LBool, LNumber or LString: immutable, safe to share across VMs
	exp time.Time  // zero: no expiry
}

// getLocked returns k's live value, deleting it if it expired; now may be
// zero, and the clock is read only for a key with a ttl.
func (d *dict) getLocked(k string, now time.Time) (lua.LValue, bool) {
	e, ok := d.m[k]
	if !ok {
		return lua.LNil, false
	}
	if e.exp.IsZero() {
		return e.v, true
	}
	if now.IsZero() { // read the clock only for keys with a ttl
		now = time.Now()
	}
	if !now.Before(e.exp) {
		delete(d.m, k)
		return lua.LNil, false
	}
	return e.v, true
}

func checkDict(L *lua.LState) *dict { return luautil.CheckUserData[*dict](L, 1, "shared dict") }

func dictKey(L *lua.LState, n int) string {
	switch k := L.Get(n).(type) {
	case lua.LString:
		return string(k)
	case lua.LNumber:
		return luautil.FmtNumber(float64(k))
	}
	L.ArgError(n, "string or number key expected")
	return ""
}

// dictValue reads value (argument 3) and the optional ttl (argument 4).
func dictValue(L *lua.LState) (lua.LValue, time.Time) {
	v := L.Get(3)
	switch v.(type) {
	case *lua.LNilType, lua.LBool, lua.LNumber, lua.LString:
	default:
		L.ArgError(3, "shared dict values are nil, booleans, numbers or strings")
	}
	var exp time.Time
	if L.Get(4) != lua.LNil {
		if ttl := luautil.CheckDuration(L, 4); ttl > 0 {
			exp = time.Now().Add(ttl)
		}
	}
	return v, exp
}

// dictStore stores key=value when allow(key exists) says so (add, replace).
func dictStore(L *lua.LState, allow func(exists bool) (bool, string)) int {
	d, k := checkDict(L), dictKey(L, 2)
	v, exp := dictValue(L)
	if v == lua.LNil {
		L.ArgError(3, "value expected")
	}
	d.mu.Lock()
	_, exists := d.getLocked(k, time.Time{})
	ok, why := allow(exists)
	if ok {
		d.m[k] = dictEntry{v: v, exp: exp}
	}
	d.mu.Unlock()
	if !ok {
		L.Push(lua.LFalse)
		L.Push(lua.LString(why))
		return 2
	}
	L.Push(lua.LTrue)
	return 1
}

var dictMethods = map[string]lua.LGFunction{
	"get": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		d.mu.Lock()
		v, _ := d.getLocked(k, time.Time{})
		d.mu.Unlock()
		L.Push(v)
		return 1
	},
	"set": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		v, exp := dictValue(L)
		d.mu.Lock()
		if v == lua.LNil {
			delete(d.m, k)
		} else {
			d.m[k] = dictEntry{v: v, exp: exp}
		}
		d.mu.Unlock()
		return 0
	},
	"incr": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		n := L.CheckNumber(3)
		init := L.OptNumber(4, 0)
		d.mu.Lock()
		defer d.mu.Unlock()
		cur, ok := d.getLocked(k, time.Time{})
		base := init
		if ok {
			num, isNum := dictNumber(cur)
			if !isNum {
				L.Push(lua.LNil)
				L.Push(lua.LString("not a number"))
				return 2
			}
			base = num
		}
		nv := base + n
		e := d.m[k]
		d.m[k] = dictEntry{v: nv, exp: e.exp}
		L.Push(nv)
		return 1
	},
	"add": func(L *lua.LState) int {
		return dictStore(L, func(exists bool) (bool, string) { return !exists, "exists" })
	},
	"replace": func(L *lua.LState) int {
		return dictStore(L, func(exists bool) (bool, string) { return exists, "not found" })
	},
	"ttl": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		now := time.Now()
		d.mu.Lock()
		_, ok := d.getLocked(k, now)
		e := d.m[k]
		d.mu.Unlock()
		switch {
		case !ok:
			L.Push(lua.LNil)
			L.Push(lua.LString("not found"))
			return 2
		case e.exp.IsZero():
			L.Push(lua.LNumber(0))
		default:
			L.Push(lua.LNumber(e.exp.Sub(now).Seconds()))
		}
		return 1
	},
	"expire": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		ttl := luautil.CheckDuration(L, 3)
		now := time.Now()
		d.mu.Lock()
		_, ok := d.getLocked(k, now)
		if ok {
			e := d.m[k]
			e.exp = time.Time{}
			if ttl > 0 {
				e.exp = now.Add(ttl)
			}
			d.m[k] = e
		}
		d.mu.Unlock()
		if !ok {
			L.Push(lua.LFalse)
			L.Push(lua.LString("not found"))
			return 2
		}
		L.Push(lua.LTrue)
		return 1
	},
	"flush_all": func(L *lua.LState) int {
		d := checkDict(L)
		d.mu.Lock()
		clear(d.m)
		d.mu.Unlock()
		return 0
	},
	"delete": func(L *lua.LState) int {
		d, k := checkDict(L), dictKey(L, 2)
		d.mu.Lock()
		delete(d.m, k)
		d.mu.Unlock()
		return 0
	},
	"keys": func(L *lua.LState) int {
		d := checkDict(L)
		now := time.Now()
		d.mu.Lock()
		keys := make([]string, 0, len(d.m))
		for k := range d.m {
			if _, ok := d.getLocked(k, now); ok {
				keys = append(keys, k)
			}
		}
		d.mu.Unlock()
		sort.Strings(keys)
		t := L.CreateTable(len(keys), 0)
		for i, k := range keys {
			t.RawSetInt(i+1, lua.LString(k))
		}
		L.Push(t)
		return 1
	},
}

// dictNumber reads a stored value as a number the way Lua's arithmetic does:
// numbers as they are, strings that spell a number ("10", " 0x1f ") converted.
func dictNumber(v lua.LValue) (lua.LNumber, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return x, true
	case lua.LString:
		if n, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64); err == nil {
			return lua.LNumber(n), true
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 0, 64); err == nil {
			return lua.LNumber(n), true
		}
	}
	return 0, false
}
