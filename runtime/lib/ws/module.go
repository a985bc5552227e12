package ws

import (
	stdctx "context"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// The module's examples run in tests (TestAPIReference); each waits on a
// condition with a deadline rather than a fixed sleep.
const exampleEcho = `local srv = assert(ws.listen('ws://127.0.0.1:0/echo', {on_message = function(c, msg, kind) c:send(msg) end}))
local got
local w = ws.dial('ws://' .. srv.addr .. '/echo', {on_open = function(w) w:send('hello') end,
  on_message = function(w, msg, kind) got = msg .. ' ' .. kind end})
for _ = 1, 200 do if got then break end sleep(0.01) end
assert(got == 'hello text', got)
w:close()
srv:close()`

// Module is the ws Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "ws", Doc: "WebSocket (RFC 6455) servers and a robust client on netplay's reactor: fragmentation, ping/pong, the close handshake, permessage-deflate, a client that reconnects with backoff, pings and queues sends while down. See docs/websocket.md.",
		Funcs: []host.FuncDoc{
			{Name: "listen", Signature: "ws.listen(url, {on_open, on_message, on_close, ping_interval, ping_timeout, max_message, subprotocols, deflate, vm, handler, loops, max_conns}) -> srv | nil, err",
				Doc:     "Starts a WebSocket server: on_open(c, req), on_message(c, msg, kind) with kind \"text\" or \"binary\", on_close(c, code, reason). A bad frame fails the conn with 1002/1007/1009; ping_interval pings and closes peers silent for ping_timeout (default the interval) with 1001; vm = \"loop\" runs handler in one VM per loop.",
				Example: exampleEcho},
			{Name: "dial", Signature: "ws.dial(url, {on_open, on_message, on_close, on_state, reconnect, heartbeat, queue, max_age, ctx, subprotocols, deflate, max_message, connect_timeout}) -> w",
				Doc:     "A robust client: returns at once; states disconnected → connecting → connected → reconnecting → … → closed, each change reported to on_state(from, to, why, info) with info.delay and info.attempt. reconnect = {min = 0.5, max = 30, factor = 2, jitter = 0.5, retries = nil, min_uptime = 5} or false; heartbeat = {interval, timeout}; queue = 1000 sends wait while down; max_age drops stale ones; ctx closes it with 1001.",
				Example: exampleEcho},
			{Name: "c:send", Signature: "c:send(text) / c:send_binary(bytes) -> true | nil, err", Doc: "Sends a text (must be UTF-8) or binary message on a server conn.",
				Example: exampleEcho},
			{Name: "c:close", Signature: "c:close([code, reason]) ; c:ping([payload])", Doc: "Starts the close handshake (the TCP conn ends when the peer answers, or after 2 s); sends a ping.",
				Example: "local srv = assert(ws.listen('ws://127.0.0.1:0', {on_open = function(c) c:close(4000, 'bye') end}))\nlocal code\nlocal w = ws.dial('ws://' .. srv.addr, {reconnect = false, on_close = function(w, c, r) code = c .. ' ' .. r end})\nfor _ = 1, 200 do if code then break end sleep(0.01) end\nassert(code == '4000 bye', code)\nsrv:close()"},
			{Name: "c.fields", Signature: "c.id c.remote c.path c.protocol c.data", Doc: "Conn id, peer address, request path, chosen subprotocol and a table for the script. on_open's req has req.path, req.headers (lower-case names) and req.protocol.",
				Example: "local srv = assert(ws.listen('ws://127.0.0.1:0', {subprotocols = {'chat'},\n  on_open = function(c, req) c.data.n = 1; c:send(c.path .. ' ' .. c.protocol .. ' ' .. req.headers['sec-websocket-version']) end}))\nlocal got\nlocal w = ws.dial('ws://' .. srv.addr .. '/room?x=1', {subprotocols = {'chat'}, on_message = function(w, m) got = m end})\nfor _ = 1, 200 do if got then break end sleep(0.01) end\nassert(got == '/room?x=1 chat 13', got)\nw:close()\nsrv:close()"},
			{Name: "srv:broadcast", Signature: "srv:broadcast(msg[, binary]) -> n ; srv.addr ; srv:conns() -> n ; srv:close()", Doc: "Sends msg to every open conn of the server, across loops; returns how many. srv:close() sends 1001 going away to each conn first.",
				Example: "local srv = assert(ws.listen('ws://127.0.0.1:0', {}))\nlocal got = 0\nlocal ws1 = ws.dial('ws://' .. srv.addr, {on_message = function() got = got + 1 end})\nlocal ws2 = ws.dial('ws://' .. srv.addr, {on_message = function() got = got + 1 end})\nfor _ = 1, 200 do if srv:conns() == 2 then break end sleep(0.01) end\nassert(srv:broadcast('hi') == 2)\nfor _ = 1, 200 do if got == 2 then break end sleep(0.01) end\nassert(got == 2)\nws1:close() ws2:close() srv:close()"},
			{Name: "w:send", Signature: "w:send(text) / w:send_binary(bytes) -> true | false, \"queue_full\" | nil, err", Doc: "Sends now when connected, else queues (in order, sent once after the next handshake); false, \"queue_full\" when the queue is full, never a silent drop.",
				Example: "local w = ws.dial('ws://127.0.0.1:1', {queue = 1, reconnect = {min = 10}})\nassert(w:send('a') == true)\nlocal ok, err = w:send('b')\nassert(ok == false and err == 'queue_full')\nw:close()\nassert(w.state == 'closed')"},
			{Name: "w:stats", Signature: "w:stats() -> {rtt_avg_ms, rtt_p95_ms, rtt_max_ms, pings, pongs, missed, loss, reconnects, queued, sent, received, expired, queue_full, last_delay} ; w.state ; w:close([code, reason])", Doc: "The client's counters; w.state is its state; w:close() ends in closed and never reconnects.",
				Example: "local w = ws.dial('ws://127.0.0.1:1', {reconnect = {min = 10}})\nw:send('x')\nassert(w:stats().queued == 1)\nw:close()\nassert(w.state == 'closed' and w:stats().queued == 0)"},
		}},
	Kinds: host.Script | host.Loop,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		openConnType(L)
		openServerType(L)
		openClientType(L)
		return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"listen": func(L *lua.LState) int { return wsListen(v, L) },
			"dial":   func(L *lua.LState) int { return wsDial(v, L) },
		})
	},
}

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
		"vm:string", "handler:string", "loops:integer", "max_conns:integer")
	wsDialOpts = luautil.NewOptions("ws.dial", "on_open:function", "on_message:function", "on_close:function", "on_state:function",
		"queue:integer", "max_age:number", "connect_timeout:number", "reconnect:any", "heartbeat:table", "ctx:context",
		"subprotocols:table", "deflate:boolean", "max_message:integer")
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
	interval := luautil.Seconds(luautil.OptNum(L, o, "ping_interval", 0))
	opts := ServerOptions{
		MaxMessage:   int64(luautil.OptInt(L, o, "max_message", 0)),
		Subprotocols: optStrings(L, o, "subprotocols"),
		Deflate:      luautil.OptBool(L, o, "deflate", false),
		PingInterval: interval,
		PingTimeout:  luautil.Seconds(luautil.OptNum(L, o, "ping_timeout", interval.Seconds())),
	}
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
	opts.KeepRequest = h.cb.onOpen != nil || h.handler != "" // on_open's req.headers
	eng, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	cfg := reactor.ListenConfig{Loops: luautil.OptInt(L, o, "loops", 0), MaxConns: luautil.OptInt(L, o, "max_conns", 0)}
	srv, err := Listen(eng, raw, opts, cfg, h)
	if err != nil {
		return pushErr(L, err)
	}
	ls := &luaServer{v: v, srv: srv, held: v.Hold()}
	h.ls = ls
	L.Push(ls.value(L))
	return 1
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
	lc := &luaClient{v: v, cb: readClientCallbacks(L, o)}
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

// secs converts a duration to Lua seconds.
func secs(d time.Duration) lua.LNumber { return lua.LNumber(d.Seconds()) }
