package net

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	lua "github.com/yuin/gopher-lua"
)

// loopHandlerT is a handler module loaded into one loop VM.
type loopHandlerT struct {
	cb     callbacks
	framer codec.Framer // nil: the listener's
}

// handlersKey keys a loop VM's loaded handlers (host.VM.Local).
type handlersKey struct{}

// isHandlerFile reports whether a handler option names a file (else a
// module on package.path).
func isHandlerFile(handler string) bool {
	return strings.HasSuffix(handler, ".lua") || strings.ContainsRune(handler, '/')
}

// loopHandler loads handler (a .lua path, relative to the main script's
// folder, or a module name on package.path) once into loop VM v.
func loopHandler(v host.VM, handler string) (*loopHandlerT, error) {
	loaded := v.Local(handlersKey{}, func() any { return map[string]*loopHandlerT{} }).(map[string]*loopHandlerT)
	if lh := loaded[handler]; lh != nil {
		return lh, nil
	}
	L := v.L()
	idx := v.Conns().OwnLoop().Index()
	var fn *lua.LFunction
	var args []lua.LValue
	var err error
	if isHandlerFile(handler) {
		path, rerr := v.Resolve(handler)
		var src []byte
		if err = rerr; err == nil {
			src, err = os.ReadFile(path)
		}
		if err == nil {
			if fn, err = L.Load(bytes.NewReader(src), path); err != nil {
				err = host.SyntaxError(path, err, strings.Count(string(src), "\n")+1)
			}
		}
	} else {
		fn = L.GetGlobal("require").(*lua.LFunction)
		args = []lua.LValue{lua.LString(handler)}
	}
	if err != nil {
		return nil, fmt.Errorf("loop VM %d: handler %s: %v", idx, handler, err)
	}
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...); err != nil {
		return nil, fmt.Errorf("loop VM %d: handler %s: %v", idx, handler, err)
	}
	t, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("loop VM %d: handler %s must return a table of on_open/on_message/on_close", idx, handler)
	}
	lh := &loopHandlerT{cb: readCallbacks(t)}
	if f, ok := codec.FromValue(t.RawGetString("codec")); ok {
		lh.framer = f
	}
	loaded[handler] = lh
	return lh, nil
}
