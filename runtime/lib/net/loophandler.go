package net

import (
	"bytes"
	"errors"
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
	loaded := loadedHandlers(v)
	if lh := loaded[handler]; lh != nil {
		return lh, nil
	}
	lh, err := compileHandler(v, handler, false)
	if err != nil {
		return nil, fmt.Errorf("loop VM %d: handler %s: %v", v.Conns().OwnLoop().Index(), handler, err)
	}
	loaded[handler] = lh
	return lh, nil
}

// loadedHandlers is loop VM v's handlers by name (VM goroutine only).
func loadedHandlers(v host.VM) map[string]*loopHandlerT {
	return v.Local(handlersKey{}, func() any { return map[string]*loopHandlerT{} }).(map[string]*loopHandlerT)
}

// compileHandler loads handler (a file or module) into v and runs it:
// its table of callbacks. fresh reloads a module require has loaded
// before. Errors read "file:line: message".
func compileHandler(v host.VM, handler string, fresh bool) (*loopHandlerT, error) {
	L := v.L()
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
		if fresh {
			if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
				if loaded, ok := pkg.RawGetString("loaded").(*lua.LTable); ok {
					loaded.RawSetString(handler, lua.LNil)
				}
			}
		}
		fn = L.GetGlobal("require").(*lua.LFunction)
		args = []lua.LValue{lua.LString(handler)}
	}
	if err != nil {
		return nil, err
	}
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...); err != nil {
		var ae *lua.ApiError
		if errors.As(err, &ae) && ae.Type == lua.ApiErrorRun {
			return nil, errors.New(ae.Object.String()) // "file:line: message", no traceback
		}
		return nil, err
	}
	t, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("%s must return a table of on_open/on_message/on_close", handler)
	}
	lh := &loopHandlerT{cb: readCallbacks(t)}
	if f, ok := codec.FromValue(t.RawGetString("codec")); ok {
		lh.framer = f
	}
	return lh, nil
}
