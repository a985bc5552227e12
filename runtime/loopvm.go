package runtime

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	lua "github.com/yuin/gopher-lua"
)

// loopHandlerT is a handler module loaded into one loop VM.
type loopHandlerT struct {
	cb    callbacks
	codec *luaCodec
}

// loopVM returns the VM of loop l, creating it on first use. It is called on
// l's goroutine, which is the only goroutine that ever runs that VM.
func (rt *Runtime) loopVM(l *reactor.Loop) *vm {
	rt.lazy.mu.Lock()
	defer rt.lazy.mu.Unlock()
	if v := rt.lazy.loopVMs[l]; v != nil {
		return v
	}
	v := newVM(rt, kindLoop)
	v.loop = l
	v.dir = rt.scriptDir()
	v.s = newSched(v, newBudget(rt.budgetLimit(), rt.wd), func(fn func()) {
		l.Execute(func() { rt.safely(fn) })
	})
	v.s.after = func(d time.Duration, fn func()) func() bool {
		return l.AfterFunc(d, func() { rt.safely(fn) }).Stop
	}
	v.handlers = map[string]*loopHandlerT{}
	if rt.lazy.loopVMs == nil {
		rt.lazy.loopVMs = map[*reactor.Loop]*vm{}
	}
	rt.lazy.loopVMs[l] = v
	return v
}

// loopHandler loads handler (a .lua path, relative to the main script's
// folder, or a module name on package.path) once into this loop VM.
func (v *vm) loopHandler(handler string) (*loopHandlerT, error) {
	if lh := v.handlers[handler]; lh != nil {
		return lh, nil
	}
	L := v.L
	var fn *lua.LFunction
	var err error
	if strings.HasSuffix(handler, ".lua") || strings.ContainsRune(handler, '/') {
		path := handler
		if !filepath.IsAbs(path) {
			path = filepath.Join(v.dir, path)
		}
		var src []byte
		if src, err = os.ReadFile(path); err == nil {
			if fn, err = L.Load(bytes.NewReader(src), path); err != nil {
				err = SyntaxError(path, err, lineCount(string(src)))
			}
		}
	} else {
		fn = L.GetGlobal("require").(*lua.LFunction)
	}
	if err != nil {
		return nil, fmt.Errorf("loop VM %d: handler %s: %v", v.loop.Index(), handler, err)
	}
	var args []lua.LValue
	if fn == L.GetGlobal("require") {
		args = []lua.LValue{lua.LString(handler)}
	}
	if err := L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...); err != nil {
		return nil, fmt.Errorf("loop VM %d: handler %s: %v", v.loop.Index(), handler, err)
	}
	t, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("loop VM %d: handler %s must return a table of on_open/on_message/on_close", v.loop.Index(), handler)
	}
	lh := &loopHandlerT{cb: readCallbacks(t)}
	if ud, ok := t.RawGetString("codec").(*lua.LUserData); ok {
		if c, ok := ud.Value.(*luaCodec); ok {
			lh.codec = c
		}
	}
	v.handlers[handler] = lh
	return lh, nil
}
