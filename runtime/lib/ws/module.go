package ws

import (
	stdctx "context"
	_ "embed"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its
// examples, each of which waits on a condition with a deadline.
//
//go:embed doc.md
var docMD string

// Module is the ws Lua module.
var Module = host.NewModule(docMD, host.Script|host.Loop, func(v host.VM) *lua.LTable {
	L := v.L()
	openConnType(L)
	openServerType(L)
	openClientType(L)
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"listen":  func(L *lua.LState) int { return wsListen(v, L) },
		"dial":    func(L *lua.LState) int { return wsDial(v, L) },
		"upgrade": func(L *lua.LState) int { return wsUpgrade(v, L) },
	})
})

func pushErr(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

// strings reads an option that is a string or a list of strings.
func optStrings(L *lua.LState, o *lua.LTable, k string) []string {
	switch val := o.RawGetString(k).(type) {
	case lua.LString:
		return []string{string(val)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= val.Len(); i++ {
			out = append(out, lua.LVAsString(val.RawGetInt(i)))
		}
		return out
	case *lua.LNilType:
		return nil
	}
	L.RaiseError("option %s: a string or a list of strings expected", k)
	return nil
}

func optFunc(L *lua.LState, o *lua.LTable, k string) *lua.LFunction {
	switch f := o.RawGetString(k).(type) {
	case *lua.LFunction:
		return f
	case *lua.LNilType:
		return nil
	}
	L.RaiseError("option %s: function expected", k)
	return nil
}

// The options each table-taking function accepts (luautil.Options).
var (
	wsListenOpts = luautil.NewOptions("ws.listen", "on_open:function", "on_message:function", "on_close:function",
		"ping_interval:number", "ping_timeout:number", "max_message:integer", "subprotocols:table", "deflate:boolean",
		"vm:string", "handler:string", "loops:integer", "max_conns:integer",
		"tcp_no_delay:boolean", "tcp_keepalive:number", "max_outbound:integer", "pool:boolean", "on_result:function")
	wsDialOpts = luautil.NewOptions("ws.dial", "on_open:function", "on_message:function", "on_close:function", "on_state:function",
		"queue:integer", "max_age:number", "connect_timeout:number", "reconnect:any", "heartbeat:table", "ctx:context",
		"subprotocols:table", "deflate:boolean", "max_message:integer", "pool:boolean", "on_result:function")
	wsReconnectOpts = luautil.NewOptions("ws.dial reconnect", "min:number", "max:number", "factor:number", "jitter:number",
		"retries:integer", "min_uptime:number")
	wsHeartbeatOpts = luautil.NewOptions("ws.dial heartbeat", "interval:number", "timeout:number")
)

func wsListen(v host.VM, L *lua.LState) int {
	raw := L.CheckString(1)
	o := wsListenOpts.Table(L, 2)
	if v.Kind() != host.Script {
		L.RaiseError("ws.listen: only the script VM can listen")
	}
	opts := readServerOptions(L, o)
	h := &luaServerH{v: v, cb: readServerCallbacks(L, o)}
	switch mode := luautil.OptString(L, o, "vm", "script"); mode {
	case "script":
	case "loop":
		h.handler = luautil.OptString(L, o, "handler", "")
		if h.handler == "" {
			L.RaiseError("ws.listen: vm = \"loop\" needs a handler (a .lua file or a module name)")
		}
	default:
		L.RaiseError("option vm: \"script\" or \"loop\", got %q", mode)
	}
	if luautil.OptBool(L, o, "pool", false) {
		if h.handler != "" {
			L.RaiseError("option pool: only with vm = \"script\" (a loop VM's handler runs on its loop)")
		}
		checkPoolHandler(L, h.cb.onMessage)
		h.pool = &serverPool{proto: h.cb.onMessage.Proto, onResult: optFunc(L, o, "on_result")}
	}
	opts.KeepRequest = h.cb.onOpen != nil || h.handler != "" // on_open's req.headers
	eng, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	cfg := reactor.ListenConfig{
		Loops:    luautil.OptInt(L, o, "loops", 0),
		MaxConns: luautil.OptInt(L, o, "max_conns", 0),
		ConnConfig: reactor.ConnConfig{
			NoDelayOff:  !luautil.OptBool(L, o, "tcp_no_delay", true),
			KeepAlive:   luautil.Seconds(luautil.OptNum(L, o, "tcp_keepalive", 30)),
			MaxOutbound: luautil.OptInt(L, o, "max_outbound", defaultMaxOutbound(opts.MaxMessage)),
		},
	}
	srv, err := Listen(eng, raw, opts, cfg, h)
	if err != nil {
		return pushErr(L, err)
	}
	ls := &luaServer{v: v, srv: srv, held: v.Hold()}
	h.ls = ls
	L.Push(ls.value(L))
	return 1
}

// readServerOptions reads the options ws.listen and ws.upgrade share.
func readServerOptions(L *lua.LState, o *lua.LTable) ServerOptions {
	interval := luautil.Seconds(luautil.OptNum(L, o, "ping_interval", 0))
	return ServerOptions{
		MaxMessage:   int64(luautil.OptInt(L, o, "max_message", 0)),
		Subprotocols: optStrings(L, o, "subprotocols"),
		Deflate:      luautil.OptBool(L, o, "deflate", false),
		PingInterval: interval,
		PingTimeout:  luautil.Seconds(luautil.OptNum(L, o, "ping_timeout", interval.Seconds())),
	}
}

func wsDial(v host.VM, L *lua.LState) int {
	raw := L.CheckString(1)
	o := wsDialOpts.Table(L, 2)
	cfg := Config{
		Queue:          luautil.OptInt(L, o, "queue", 0),
		MaxAge:         luautil.Seconds(luautil.OptNum(L, o, "max_age", 0)),
		ConnectTimeout: luautil.Seconds(luautil.OptNum(L, o, "connect_timeout", 0)),
	}
	switch rc := o.RawGetString("reconnect").(type) {
	case lua.LBool:
		cfg.NoReconnect = !bool(rc)
		cfg.Backoff.Jitter = DefaultJitter
	case *lua.LTable:
		wsReconnectOpts.Check(L, rc)
		cfg.Backoff = Backoff{
			Min:       luautil.Seconds(luautil.OptNum(L, rc, "min", 0.5)),
			Max:       luautil.Seconds(luautil.OptNum(L, rc, "max", 30)),
			Factor:    luautil.OptNum(L, rc, "factor", 2),
			Jitter:    luautil.OptNum(L, rc, "jitter", DefaultJitter),
			Retries:   luautil.OptInt(L, rc, "retries", 0),
			MinUptime: luautil.Seconds(luautil.OptNum(L, rc, "min_uptime", 5)),
		}
	case *lua.LNilType:
		cfg.Backoff.Jitter = DefaultJitter
	default:
		L.RaiseError("option reconnect: a table or false expected")
	}
	if hb, ok := o.RawGetString("heartbeat").(*lua.LTable); ok {
		wsHeartbeatOpts.Check(L, hb)
		cfg.Heartbeat = HeartbeatConfig{
			Interval: luautil.Seconds(luautil.OptNum(L, hb, "interval", 10)),
			Timeout:  luautil.Seconds(luautil.OptNum(L, hb, "timeout", 5)),
		}
	}
	var ctx stdctx.Context
	if cv := o.RawGetString("ctx"); cv != lua.LNil {
		if !luactx.Is(cv) {
			L.RaiseError("option ctx: context expected")
		}
		ctx = cv.(*lua.LUserData).Value.(stdctx.Context)
	}
	eng, err := v.Engine()
	if err != nil {
		L.RaiseError("ws.dial: %v", err)
	}
	lc := &luaClient{v: v, cb: readClientCallbacks(L, o), jobCtx: stdctx.Background()}
	if ctx != nil {
		lc.jobCtx = ctx
	}
	if luautil.OptBool(L, o, "pool", false) {
		checkPoolHandler(L, lc.cb.onMessage)
		lc.pool = true
	}
	r, err := NewRobust(eng, raw, DialOptions{
		Client:     cfg,
		Protocols:  optStrings(L, o, "subprotocols"),
		Deflate:    luautil.OptBool(L, o, "deflate", false),
		MaxMessage: int64(luautil.OptInt(L, o, "max_message", 0)),
	}, lc)
	if err != nil {
		L.RaiseError("%v", err)
	}
	lc.r = r
	lc.ud = L.NewUserData()
	lc.ud.Value = lc
	L.SetMetatable(lc.ud, L.GetTypeMetatable(clientType))
	lc.held = v.Hold()
	if err := r.Start(); err != nil {
		L.RaiseError("ws.dial: %v", err)
	}
	if ctx != nil {
		v.Done(ctx, func() {
			_ = r.Close(1001, "going away", "ctx: "+ctx.Err().Error())
		})
	}
	L.Push(lc.ud)
	return 1
}

// checkPoolHandler refuses an on_message that cannot run on a worker VM:
// it travels as a compiled proto, without upvalues.
func checkPoolHandler(L *lua.LState, fn *lua.LFunction) {
	switch {
	case fn == nil:
		L.RaiseError("option pool: needs an on_message function")
	case fn.IsG:
		L.RaiseError("option pool: on_message must be a Lua function (Go builtins cannot be sent to a worker)")
	case len(fn.Upvalues) > 0:
		L.RaiseError("option pool: on_message uses upvalues (%s); with pool = true it runs on a worker VM: pass data through globals there, or return results to on_result",
			strings.Join(fn.Proto.DbgUpvalues, ", "))
	}
}

// secs converts a duration to Lua seconds.
func secs(d time.Duration) lua.LNumber { return lua.LNumber(d.Seconds()) }
