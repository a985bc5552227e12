package runtime

import (
	"sync"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/core"
	"github.com/netplay-lab/netplay/runtime/lib/bench"
	"github.com/netplay-lab/netplay/runtime/lib/bin"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	"github.com/netplay-lab/netplay/runtime/lib/context"
	"github.com/netplay-lab/netplay/runtime/lib/hex"
	"github.com/netplay-lab/netplay/runtime/lib/http"
	"github.com/netplay-lab/netplay/runtime/lib/json"
	"github.com/netplay-lab/netplay/runtime/lib/net"
	"github.com/netplay-lab/netplay/runtime/lib/pool"
	"github.com/netplay-lab/netplay/runtime/lib/shared"
	"github.com/netplay-lab/netplay/runtime/lib/timer"
	"github.com/netplay-lab/netplay/runtime/lib/ws"
)

// FuncDoc documents one Lua-visible function or method.
type FuncDoc = host.FuncDoc

// ModuleDoc documents one Lua module (or the global functions, under the name "_G").
type ModuleDoc = host.ModuleDoc

// ScriptError is a Lua error: Msg is "file:line: message", Traceback the Lua
// stack at the error site ("stack traceback:\n\t…"), empty when unknown.
type ScriptError = host.ScriptError

// moduleList lists every netplay module, one line each: what a VM
// preloads, what the shell's :help shows and what docs/lua-api.md contains.
func moduleList() []*host.Module {
	return []*host.Module{
		core.Globals,
		timer.Module,
		context.Module,
		pool.Module,
		shared.Module,
		bin.Module,
		hex.Module,
		json.Module,
		net.Module,
		codec.Module(codec.Builtin()...),
		http.Module,
		ws.Module,
		bench.Module,
	}
}

// modules is moduleList made once.
var modules = sync.OnceValue(moduleList)

// Modules returns the documentation of every netplay Lua module, in a stable
// order. It is safe for concurrent use.
func Modules() []ModuleDoc {
	out := make([]ModuleDoc, 0, len(modules()))
	for _, m := range modules() {
		out = append(out, m.ModuleDoc)
	}
	return out
}
