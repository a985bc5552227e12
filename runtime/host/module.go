package host

import lua "github.com/yuin/gopher-lua"

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

// Module is one Lua module: its docs, the VM kinds it is opened in and its
// loader. The zero Kinds opens it nowhere.
type Module struct {
	ModuleDoc
	Kinds Kind
	// Open builds the module table for v. The "_G" entry sets globals
	// itself and returns nil.
	Open func(v VM) *lua.LTable
}

// NewModule makes a module from its embedded markdown documentation (see
// ParseDoc), the VM kinds it is opened in and its loader.
func NewModule(docMD string, kinds Kind, open func(v VM) *lua.LTable) *Module {
	return &Module{ModuleDoc: ParseDoc(docMD), Kinds: kinds, Open: open}
}
