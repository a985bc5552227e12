package runtime

import (
	lua "github.com/yuin/gopher-lua"
)

// FuncDoc documents one Lua-visible function or method.
type FuncDoc struct {
	Name      string // "after", or "c:send" for methods
	Signature string // "timer.after(seconds, fn) -> t"
	Doc       string // one line
	Example   string // a runnable Lua snippet; docs/lua-api.md shows it and a test runs it
	Suspends  bool   // the call yields the calling coroutine until its result is ready
}

// ModuleDoc documents one Lua module (or the global functions, under the name "_G").
type ModuleDoc struct {
	Name  string
	Doc   string
	Funcs []FuncDoc
}

// vmKind says which kind of VM a module is opened in.
type vmKind uint8

const (
	kindScript vmKind = 1 << iota // the script VM
	kindLoop                      // a loop VM (one per event loop)
	kindWorker                    // a pool worker VM

	kindAll = kindScript | kindLoop | kindWorker
)

// module is one entry of the registry: its docs and how to open it in a VM.
type module struct {
	ModuleDoc
	kinds vmKind
	// open builds the module table. For the "_G" entry open sets globals itself
	// and returns nil.
	open func(v *vm, L *lua.LState) *lua.LTable
}

// registry lists every netplay module. It is the one source for what a VM
// preloads, what the shell's :help shows and what docs/lua-api.md contains.
func registry() []*module { return modules }

// modules is filled in init: the module tables refer (through newVM) back
// to the registry, which a package-level initializer cannot express.
var modules []*module

func init() {
	modules = []*module{
		globalsModule,
		timerModule,
		contextModule,
		poolModule,
		sharedModule,
		binModule,
		hexModule,
		jsonModule,
		netModule,
		codecModule,
	}
}

// Modules returns the documentation of every netplay Lua module, in a stable
// order. It is safe for concurrent use.
func Modules() []ModuleDoc {
	mods := registry()
	out := make([]ModuleDoc, 0, len(mods))
	for _, m := range mods {
		out = append(out, m.ModuleDoc)
	}
	return out
}
