package ws

import (
	"bytes"
	stdctx "context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

const clientType = "netplay.ws_client"

type clientCallbacks struct {
	onOpen, onMessage, onClose, onState, onResult *lua.LFunction
}

func readClientCallbacks(L *lua.LState, o *lua.LTable) clientCallbacks {
	return clientCallbacks{onOpen: optFunc(L, o, "on_open"), onMessage: optFunc(L, o, "on_message"),
		onClose: optFunc(L, o, "on_close"), onState: optFunc(L, o, "on_state"), onResult: optFunc(L, o, "on_result")}
}

// luaClient is a ws.dial client as Lua sees it. Its Handlers methods run
// on any goroutine and post to the VM; everything else is VM-only.
type luaClient struct {
	v    host.VM
	r    *Robust
	cb   clientCallbacks
	ud   *lua.LUserData
	held func() // keeps the script alive until closed
	// pool = true: on_message(msg, kind) runs on a worker VM (any order,
	// in parallel); its results go to on_result(w, ...) on this VM.
	pool   bool
	jobCtx stdctx.Context
}

func (lc *luaClient) call(fn *lua.LFunction, args ...lua.LValue) {
	if fn == nil {
		return
	}
	lc.v.Call(fn, nil, append([]lua.LValue{lc.ud}, args...)...)
}

// OnState reports a transition; reaching closed lets the script end.
func (lc *luaClient) OnState(t Transition) {
	lc.v.Post(func() {
		if lc.cb.onState != nil {
			info := lc.v.L().NewTable()
			info.RawSetString("delay", secs(t.Delay))
			info.RawSetString("attempt", lua.LNumber(t.Attempt))
			lc.v.Call(lc.cb.onState, nil, lua.LString(t.From.String()), lua.LString(t.To.String()), lua.LString(t.Why), info)
		}
		if t.To == Closed && lc.held != nil {
			lc.held()
			lc.held = nil
		}
	})
}

func (lc *luaClient) OnOpen(protocol string) {
	lc.v.Post(func() { lc.call(lc.cb.onOpen, lua.LString(protocol)) })
}

func (lc *luaClient) OnMessage(data []byte, binary bool) {
	kind := lua.LString("text")
	if binary {
		kind = "binary"
	}
	if lc.pool {
		lc.submit(lua.LString(data), kind)
		return
	}
	lc.v.Post(func() { lc.call(lc.cb.onMessage, lua.LString(data), kind) })
}

// submit runs on_message on a worker VM; a full pool queue or an error is
// logged, results go to on_result.
func (lc *luaClient) submit(msg, kind lua.LValue) {
	v := lc.v
	workers, err := v.Workers()
	if err != nil {
		v.Logf("ws.dial: pool: %v", err)
		return
	}
	job := &host.Job{Ctx: lc.jobCtx, Proto: lc.cb.onMessage.Proto, Args: []lua.LValue{msg, kind}}
	job.Done = func(rets []lua.LValue, err error) {
		v.Post(func() {
			if err != nil {
				v.LogError(&host.ScriptError{Msg: "ws.dial on_message (pool): " + err.Error()})
				return
			}
			lc.call(lc.cb.onResult, rets...)
		})
	}
	if err := workers.Submit(job); err != nil {
		v.Logf("ws.dial: pool: %v (message dropped)", err)
	}
}

func (lc *luaClient) OnClose(code int, reason string) {
	lc.v.Post(func() { lc.call(lc.cb.onClose, lua.LNumber(code), lua.LString(reason)) })
}

func checkClient(L *lua.LState) *luaClient {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if lc, ok := ud.Value.(*luaClient); ok {
			return lc
		}
	}
	L.ArgError(1, "ws client expected")
	return nil
}

func clientSend(L *lua.LState, binary bool) int {
	lc := checkClient(L)
	err := lc.r.Send([]byte(L.CheckString(2)), binary)
	switch {
	case err == nil:
		L.Push(lua.LTrue)
		return 1
	case errors.Is(err, ErrQueueFull):
		L.Push(lua.LFalse)
		L.Push(lua.LString("queue_full"))
		return 2
	}
	return pushErr(L, err)
}

var clientMethods = map[string]lua.LGFunction{
	"send":        func(L *lua.LState) int { return clientSend(L, false) },
	"send_binary": func(L *lua.LState) int { return clientSend(L, true) },
	"close": func(L *lua.LState) int {
		lc := checkClient(L)
		if err := lc.r.Close(L.OptInt(2, 1000), L.OptString(3, ""), "close()"); err != nil && !errors.Is(err, ErrClosed) {
			return pushErr(L, err)
		}
		L.Push(lua.LTrue)
		return 1
	},
	"stats": func(L *lua.LState) int {
		st := checkClient(L).r.Stats()
		t := L.NewTable()
		ms := func(k string, d interface{ Seconds() float64 }) { t.RawSetString(k, lua.LNumber(d.Seconds()*1000)) }
		ms("rtt_avg_ms", st.RTTAvg)
		ms("rtt_p95_ms", st.RTTP95)
		ms("rtt_max_ms", st.RTTMax)
		for k, n := range map[string]int64{"pings": st.Pings, "pongs": st.Pongs, "missed": st.Missed, "reconnects": st.Reconnects,
			"queued": int64(st.Queued), "sent": st.Sent, "received": st.Received, "expired": st.Expired, "queue_full": st.QueueFull} {
			t.RawSetString(k, lua.LNumber(n))
		}
		t.RawSetString("loss", lua.LNumber(st.Loss))
		t.RawSetString("last_delay", secs(st.LastDelay))
		t.RawSetString("state", lua.LString(st.State.String()))
		L.Push(t)
		return 1
	},
}

func openClientType(L *lua.LState) {
	mt := L.NewTypeMetatable(clientType)
	methods := L.SetFuncs(L.NewTable(), clientMethods)
	L.SetField(mt, luautil.MethodsField, methods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		lc := checkClient(L)
		switch key := L.CheckString(2); key {
		case "state":
			L.Push(lua.LString(lc.r.State().String()))
		default:
			L.Push(luautil.MethodOf(L, methods, "ws client", key))
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		lc := checkClient(L)
		L.Push(lua.LString("ws client " + lc.r.url + " (" + lc.r.State().String() + ")"))
		return 1
	}))
}

// loopHandlersKey keys a loop VM's loaded ws handler modules.
type loopHandlersKey struct{}

// loadLoopHandler loads handler (a .lua path relative to the main script's
// folder, or a module name) once into loop VM v and returns its on_*
// functions.
func loadLoopHandler(v host.VM, handler string) (serverCallbacks, error) {
	loaded := v.Local(loopHandlersKey{}, func() any { return map[string]serverCallbacks{} }).(map[string]serverCallbacks)
	if cb, ok := loaded[handler]; ok {
		return cb, nil
	}
	L := v.L()
	var fn *lua.LFunction
	var args []lua.LValue
	var err error
	if strings.HasSuffix(handler, ".lua") || strings.ContainsRune(handler, '/') {
		path, rerr := v.Resolve(handler) // the sandbox: inside the script's folder
		var src []byte
		if err = rerr; err == nil {
			src, err = os.ReadFile(path)
		}
		if err == nil {
			fn, err = L.Load(bytes.NewReader(src), path)
		}
	} else {
		fn = L.GetGlobal("require").(*lua.LFunction)
		args = []lua.LValue{lua.LString(handler)}
	}
	if err == nil {
		err = L.CallByParam(lua.P{Fn: fn, NRet: 1, Protect: true}, args...)
	}
	if err != nil {
		return serverCallbacks{}, fmt.Errorf("ws loop VM: handler %s: %v", handler, err)
	}
	t, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return serverCallbacks{}, fmt.Errorf("ws loop VM: handler %s must return a table of on_open/on_message/on_close", handler)
	}
	cb := serverCallbacks{}
	cb.onOpen, _ = t.RawGetString("on_open").(*lua.LFunction)
	cb.onMessage, _ = t.RawGetString("on_message").(*lua.LFunction)
	cb.onClose, _ = t.RawGetString("on_close").(*lua.LFunction)
	loaded[handler] = cb
	return cb, nil
}
