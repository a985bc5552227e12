package core

import (
	"io"
	"strings"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luapat"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	"github.com/netplay-lab/netplay/runtime/internal/sandbox"
	lua "github.com/yuin/gopher-lua"
)

// vm is one Lua world: the script VM, a loop VM or a worker VM. Its LState
// is used by one goroutine at a time (the script VM goroutine, the loop
// goroutine, or the pool worker running a job).
type vm struct {
	rt   *Runtime
	ls   *lua.LState
	kind host.Kind
	s    *sched        // coroutine scheduler; nil for worker VMs
	dir  string        // folder of the main script, for relative handler paths
	loop *reactor.Loop // loop VMs: the loop they run on
	// baseline is a worker VM's globals as built (see resetGlobals).
	baseline map[string]lua.LValue
	// counters count messages handed to this VM's handlers and sent by
	// it: counters of its own, so two loops never write one line.
	counters host.Counters
	locals   map[any]any // host.VM.Local
}

// luaOptions sizes a state small and lets it grow: coroutine threads share
// these options and a pooled thread must stay cheap.
var luaOptions = lua.Options{
	SkipOpenLibs:        true,
	CallStackSize:       200,
	RegistrySize:        256,
	RegistryMaxSize:     1 << 20,
	RegistryGrowStep:    256,
	MinimizeStackMemory: true,
}

// sandboxRemoved lists what the sandbox withholds unless Options.Unsafe.
var (
	baseRemoved = []string{"dofile", "loadfile", "collectgarbage", "_printregs"}
	osRemoved   = []string{"execute", "exit", "remove", "rename", "getenv", "tmpname", "setenv", "setlocale"}
	ioFuncs     = []string{"close", "flush", "input", "lines", "open", "output", "popen", "read", "tmpfile", "type", "write"}
	debugFuncs  = []string{"debug", "getfenv", "gethook", "getinfo", "getlocal", "getmetatable", "getregistry", "getupvalue", "setfenv", "sethook", "setlocal", "setmetatable", "setupvalue", "traceback"}
)

// newVM builds a sandboxed LState with the standard libraries netplay allows
// and every module of the list (Config.Modules) of its kind preloaded (require "net") and set as
// a global.
func newVM(rt *Runtime, kind host.Kind) *vm {
	L := lua.NewState(luaOptions)
	v := &vm{rt: rt, ls: L, kind: kind}
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.LoadLibName, lua.OpenPackage},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	if rt.opts.Unsafe {
		for _, lib := range []struct {
			name string
			fn   lua.LGFunction
		}{{lua.IoLibName, lua.OpenIo}, {lua.DebugLibName, lua.OpenDebug}} {
			L.Push(L.NewFunction(lib.fn))
			L.Push(lua.LString(lib.name))
			L.Call(1, 0)
		}
	} else {
		// Stubs, not nil: a refused call says how to allow it.
		for _, name := range baseRemoved {
			L.SetGlobal(name, luautil.Disabled(L, name))
		}
		if os, ok := L.GetGlobal("os").(*lua.LTable); ok {
			for _, name := range osRemoved {
				os.RawSetString(name, luautil.Disabled(L, "os."+name))
			}
		}
		L.SetGlobal("io", luautil.DisabledLib(L, "io", ioFuncs))
		L.SetGlobal("debug", luautil.DisabledLib(L, "debug", debugFuncs))
	}
	v.dir = rt.scriptDir()
	sandbox.Install(L, v.root())
	L.SetGlobal("print", L.NewFunction(v.print))
	L.SetGlobal("type", L.NewFunction(luaType))
	if str, ok := L.GetGlobal("string").(*lua.LTable); ok {
		str.RawSetString("rep", L.NewFunction(strRep))
	}
	// find/match/gmatch/gsub of netplay's own: they check the calling
	// thread's context as they go, so the budget, a pool job's ctx and a
	// stop reach a pathological pattern as they reach a Lua loop.
	luapat.InstallReserve(L, v.rt.mem.ReserveFor("string.gsub"))
	// string.rep, table.concat, string.format…: ask the memory cap first
	memwatch.Install(L, v.rt.mem)
	for _, m := range v.rt.modules {
		if m.Kinds&kind == 0 {
			continue
		}
		if m.Name == "_G" {
			m.Open(v)
			continue
		}
		L.PreloadModule(m.Name, func(L *lua.LState) int {
			L.Push(v.moduleTable(m))
			return 1
		})
		L.SetGlobal(m.Name, v.moduleTable(m))
	}
	return v
}

// root is the folder tree this VM may load files from: the main script's
// folder, or anywhere with --unsafe.
func (v *vm) root() sandbox.Root { return sandbox.Root{Dir: v.dir, Unsafe: v.rt.opts.Unsafe} }

// moduleTable opens m once per VM and caches the table in package.loaded, so
// require "net" and the global net are the same table.
func (v *vm) moduleTable(m *host.Module) lua.LValue {
	L := v.ls
	loaded := L.GetField(L.Get(lua.RegistryIndex), "_LOADED")
	if t, ok := loaded.(*lua.LTable); ok {
		if mt, ok := t.RawGetString(m.Name).(*lua.LTable); ok {
			return mt
		}
		mt := m.Open(v)
		if mt != nil {
			luautil.StrictModule(L, mt, m.Name) // net.lisen names itself
		}
		t.RawSetString(m.Name, mt)
		return mt
	}
	return m.Open(v)
}

// maxRepBytes bounds what one string.rep may build. The budget stops Lua
// code that runs too long, but not a single Go builtin: string.rep("x", 1e10)
// would try to allocate 10 GB before the next instruction is checked.
const maxRepBytes = 256 << 20

// strRep is string.rep(s, n) with the result bounded by maxRepBytes.
func strRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s))*int64(n) > maxRepBytes {
		L.RaiseError("string.rep: result too large (%d x %d bytes > %d MiB)", n, len(s), maxRepBytes>>20)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

// typeNames holds type()'s results boxed once: gopher-lua's type boxes a
// new string on every call, and type(v) == "..." is in most handlers.
var typeNames = func() (names [lua.LTChannel + 1]lua.LValue) {
	for t := range names {
		names[t] = lua.LString(lua.LValueType(t).String())
	}
	return names
}()

// luaType is Lua's type(v) without an allocation.
func luaType(L *lua.LState) int {
	L.Push(typeNames[L.CheckAny(1).Type()])
	return 1
}

// stdout returns where print writes.
func (v *vm) stdout() io.Writer { return v.rt.stdout }

// print is Lua's print writing to Options.Stdout in one write per call, so
// lines from handlers do not interleave mid-line.
func (v *vm) print(L *lua.LState) int {
	var b strings.Builder
	top := L.GetTop()
	for i := 1; i <= top; i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(luautil.ToString(L, L.Get(i)))
	}
	b.WriteByte('\n')
	v.rt.writeOut(b.String())
	return 0
}
