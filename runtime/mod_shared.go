package runtime

import (
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

var sharedModule = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "shared", Doc: "Named dictionaries shared by every VM of the runtime (script, loop and worker VMs); a second runtime in the same process has its own.",
		Funcs: []host.FuncDoc{
			{Name: "dict", Signature: "shared.dict(name) -> d", Doc: "The dictionary called name, created on first use. Values: nil, booleans, numbers, strings.",
				Example: "local d = shared.dict('hits')\nd:set('x', 1)\nassert(shared.dict('hits'):get('x') == 1)"},
			{Name: "d:get", Signature: "d:get(key) -> value | nil", Doc: "The value, or nil if missing or expired.",
				Example: "assert(shared.dict('doc'):get('missing') == nil)"},
			{Name: "d:set", Signature: "d:set(key, value[, ttl_seconds])", Doc: "Stores value (nil deletes); with ttl it expires after ttl seconds.",
				Example: "local d = shared.dict('doc')\nd:set('k', 'v', 0.01)\nassert(d:get('k') == 'v')\nsleep(0.02)\nassert(d:get('k') == nil)"},
			{Name: "d:incr", Signature: "d:incr(key, n[, init]) -> new_value | nil, \"not a number\"", Doc: "Atomically adds n (a missing key starts at init, default 0); a string value that spells a number counts as that number, as in Lua arithmetic.",
				Example: "local d = shared.dict('doc')\nassert(d:incr('n', 2) == 2 and d:incr('n', 3) == 5)\nd:set('s', '10'); assert(d:incr('s', 1) == 11)\nd:set('w', 'word'); assert(select(2, d:incr('w', 1)) == 'not a number')"},
			{Name: "d:delete", Signature: "d:delete(key)", Doc: "Removes key.",
				Example: "local d = shared.dict('doc')\nd:set('gone', 1)\nd:delete('gone')\nassert(d:get('gone') == nil)"},
			{Name: "d:add", Signature: "d:add(key, value[, ttl]) -> true | false, \"exists\"", Doc: "Stores value only if key is missing (or expired).",
				Example: "local d = shared.dict('add-doc')\nassert(d:add('k', 1))\nassert(not d:add('k', 2) and d:get('k') == 1)"},
			{Name: "d:replace", Signature: "d:replace(key, value[, ttl]) -> true | false, \"not found\"", Doc: "Stores value only if key exists.",
				Example: "local d = shared.dict('replace-doc')\nassert(not d:replace('k', 1))\nd:set('k', 1)\nassert(d:replace('k', 2) and d:get('k') == 2)"},
			{Name: "d:ttl", Signature: "d:ttl(key) -> seconds | nil, \"not found\"", Doc: "Seconds left before key expires; 0 when it never expires.",
				Example: "local d = shared.dict('ttl-doc')\nd:set('k', 1, 10)\nassert(d:ttl('k') > 9)\nd:set('p', 1)\nassert(d:ttl('p') == 0 and d:ttl('missing') == nil)"},
			{Name: "d:expire", Signature: "d:expire(key, ttl) -> true | false, \"not found\"", Doc: "Sets a new ttl on an existing key (0: never expires).",
				Example: "local d = shared.dict('expire-doc')\nd:set('k', 1)\nassert(d:expire('k', 0.01))\nsleep(0.02)\nassert(d:get('k') == nil)"},
			{Name: "d:flush_all", Signature: "d:flush_all()", Doc: "Removes every key.",
				Example: "local d = shared.dict('flush-doc')\nd:set('a', 1)\nd:flush_all()\nassert(#d:keys() == 0)"},
			{Name: "d:keys", Signature: "d:keys() -> {key…}", Doc: "The live keys, sorted.",
				Example: "local d = shared.dict('keys-doc')\nd:set('b', 1)\nd:set('a', 1)\nassert(table.concat(d:keys(), ',') == 'a,b')"},
		}},
	Kinds: host.All,
	Open: func(v host.VM) *lua.LTable {
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
	},
}

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

func checkDict(L *lua.LState) *dict {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if d, ok := ud.Value.(*dict); ok {
			return d
		}
	}
	L.ArgError(1, "shared dict expected")
	return nil
}

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
