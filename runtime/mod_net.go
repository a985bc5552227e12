package runtime

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	lua "github.com/yuin/gopher-lua"
)

var netModule = &module{
	ModuleDoc: ModuleDoc{Name: "net", Doc: "TCP, UDP and Unix servers and clients on netplay's reactor. Addresses are URLs (tcp://127.0.0.1:9000, udp://…, unix:///path); a listen URL without a host binds 127.0.0.1 (0.0.0.0 must be written out and prints a warning). On a UDP listener each datagram is one on_message(c, msg) whose c:send answers its sender (no on_open/on_close).",
		Funcs: []FuncDoc{
			{Name: "listen", Signature: "net.listen(url, {codec, on_open, on_message, on_close, on_writable, loops, lb, reuse_port, tcp_no_delay, tcp_keepalive, idle_timeout, max_conns, high_water, low_water, max_outbound, coalesce_writes, vm, handler, trace}) -> srv | nil, err", Doc: "Starts a server. Handlers run on the script VM, one message at a time per conn; vm = \"loop\" runs handler (a .lua file or module returning on_* functions) in one VM per event loop instead. coalesce_writes = true sends each conn's replies once per event-loop round, after every ready conn was handled, as redis-server does: clients pipelining from one thread wake up less often; replies wait for the round.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, msg) c:send(msg) end})\nprint(srv.addr)\nsrv:close()"},
			{Name: "dial", Signature: "net.dial(url, {codec, on_open, on_message, on_close, on_writable}) -> c", Doc: "Connects in the background; on_open(c) when connected, on_close(c, err) if it fails. Also takes net.listen's conn options: tcp_no_delay, tcp_keepalive, high_water, low_water, max_outbound, coalesce_writes.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})\nlocal c = net.dial('tcp://' .. srv.addr, {on_open = function(c) c:send('hi') end,\n  on_message = function(c, m) print('echo', m); c:close() end,\n  on_close = function() srv:close() end})"},
			{Name: "connect", Suspends: true, Signature: "net.connect(url, {codec, timeout = 3}) -> c | nil, err", Doc: "Connects and suspends the caller until connected; read with c:receive.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m) c:send(m:upper()) end})\nlocal c = assert(net.connect('tcp://' .. srv.addr, {codec = codec.line()}))\nc:send('ping')\nassert(c:receive(1) == 'PING')\nc:close()\nsrv:close()"},
			{Name: "c:send", Signature: "c:send(msg) -> true | false, err", Doc: "Encodes msg with the conn's codec and writes it; false, \"backpressure\" past the high water mark (the data is still queued).",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m) c:send('got ' .. m) end})\nlocal c = net.connect('tcp://' .. srv.addr, {codec = codec.line()})\nassert(c:send('hi'))\nassert(c:receive(1) == 'got hi')\nc:close()\nsrv:close()"},
			{Name: "c:write", Signature: "c:write(bytes) -> true | false, err", Doc: "Writes bytes as they are, bypassing the codec.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m) c:send(#m) end})\nlocal c = net.connect('tcp://' .. srv.addr, {codec = codec.line()})\nc:write('abc\\r\\n')  -- raw bytes: the line codec on the server still frames them\nassert(c:receive(1) == '3')\nc:close()\nsrv:close()"},
			{Name: "c:receive", Suspends: true, Signature: "c:receive([timeout]) -> msg | nil, err", Doc: "Suspends until the next message (conns without on_message); err is \"timeout\", \"closed\" or the close error.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {})\nlocal c = net.connect('tcp://' .. srv.addr)\nlocal msg, err = c:receive(0.01)\nassert(msg == nil and err == 'timeout')\nc:close()\nsrv:close()"},
			{Name: "c:close", Signature: "c:close()", Doc: "Flushes what is queued, then closes; on_close(c, nil) follows.",
				Example: "local closed\nlocal srv = net.listen('tcp://127.0.0.1:0', {on_close = function(c, err) closed = err or 'clean' end})\nlocal c = net.connect('tcp://' .. srv.addr)\nc:close()\nsleep(0.05)\nassert(closed == 'clean')\nsrv:close()"},
			{Name: "c:pause", Signature: "c:pause() / c:resume()", Doc: "Stops and restarts reading from the conn.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})\nlocal c = net.connect('tcp://' .. srv.addr)\nc:pause()\nc:send('x')\nassert(c:receive(0.05) == nil)  -- not read while paused\nc:resume()\nassert(c:receive(1) == 'x')\nc:close()\nsrv:close()"},
			{Name: "c:set_codec", Signature: "c:set_codec(codec)", Doc: "Swaps the framing mid-stream; bytes not yet decoded go through the new codec.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m)\n  if m == 'UPGRADE' then c:send('OK'); c:set_codec(codec.fixed(2)) else c:send(m) end\nend})\nlocal c = net.connect('tcp://' .. srv.addr)\nc:write('UPGRADE\\n')\nassert(c:receive(1) == 'OK\\n')\nc:write('abcd')\nlocal got = ''\nwhile #got < 4 do got = got .. c:receive(1) end\nassert(got == 'abcd')  -- fixed(2) frames come back as 'ab', 'cd'\nc:close()\nsrv:close()"},
			{Name: "c.fields", Signature: "c.id c.remote c.local_addr (= c['local']) c.ctx c.data", Doc: "Conn id, peer and local addresses (local is a Lua keyword, so c.local is written c['local'] or c.local_addr), a context cancelled when the conn closes, and a table for the script.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_open = function(c) c.data.n = 0 end,\n  on_message = function(c, m) c.data.n = c.data.n + 1; c:send(c.id .. ' ' .. c.data.n) end})\nlocal c = net.connect('tcp://' .. srv.addr)\nassert(c.remote == srv.addr and c.local_addr == c['local'])\nc:send('x')\nassert(c:receive(1):match('^%d+ 1$'))\nlocal ctx = c.ctx\nc:close()\nassert(ctx:wait() == 'context canceled')\nsrv:close()"},
			{Name: "srv.addr", Signature: "srv.addr srv.url srv.ctx srv:stats() srv:conns() srv:close([grace_seconds])", Doc: "The bound host:port (or path), its URL, a context cancelled once the server has shut down, counters, a snapshot of the conns, and a graceful close (default grace 5 s).",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {})\nassert(srv:stats().active == 0 and #srv:conns() == 0)\nlocal ctx = srv.ctx\nsrv:close()\nassert(ctx:wait() == 'context canceled')"},
		}},
	kinds: kindScript | kindLoop,
	open: func(v *vm, L *lua.LState) *lua.LTable {
		cm := L.NewTypeMetatable(connType)
		methods := L.SetFuncs(L.NewTable(), connMethods)
		methods.RawSetString("receive", exactResults(L, connMethods["receive"]))
		own := L.NewTable() // the metatable of a promoted conn's own metatable
		own.RawSetString("__index", L.NewFunction(ownConnIndex(methods, own)))
		own.RawSetString(methodsField, methods)
		L.SetField(cm, "__index", L.NewFunction(connIndex(methods, own)))
		L.SetField(cm, methodsField, methods)
		L.SetField(cm, "__tostring", L.NewFunction(func(L *lua.LState) int {
			lc := checkConn(L)
			if lc.conn == nil {
				L.Push(lua.LString("conn (connecting)"))
			} else {
				L.Push(lua.LString("conn " + fmtNumber(float64(lc.conn.ID())) + " " + lc.conn.RemoteAddr().String()))
			}
			return 1
		}))
		sm := L.NewTypeMetatable(serverType)
		smethods := L.SetFuncs(L.NewTable(), serverMethods)
		L.SetField(sm, "__index", L.NewFunction(serverIndex(smethods)))
		L.SetField(sm, methodsField, smethods)
		L.SetField(sm, "__tostring", L.NewFunction(func(L *lua.LState) int {
			srv := checkServer(L)
			state := fmtNumber(float64(srv.ln.Stats().Active)) + " conns"
			if srv.closed {
				state = "closed"
			}
			L.Push(lua.LString("server " + srv.ln.URL() + " (" + state + ")"))
			return 1
		}))
		mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"listen": v.netListen,
			"dial":   v.netDial,
		})
		mod.RawSetString("connect", exactResults(L, v.netConnect))
		return mod
	},
}

func secondsToDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// connOptions reads the options shared by listen, dial and connect.
func (v *vm) connOptions(L *lua.LState, o *lua.LTable) (*luaCodec, callbacks) {
	codec := rawCodec()
	if cv := o.RawGetString("codec"); cv != lua.LNil {
		ud, _ := cv.(*lua.LUserData)
		var ok bool
		if ud != nil {
			codec, ok = ud.Value.(*luaCodec)
		}
		if !ok {
			L.RaiseError("option codec: codec expected (codec.line{…}, codec.raw(), …)")
		}
	}
	if codec.owner != nil && codec.owner != v {
		L.RaiseError("option codec: codec.custom belongs to another VM")
	}
	return codec, readCallbacks(o)
}

func (v *vm) netListen(L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := optTable(L, 2)
	if v.kind != kindScript {
		L.RaiseError("net.listen: only the script VM can listen")
	}
	codec, cb := v.connOptions(L, o)
	cfg := reactor.ListenConfig{
		ConnConfig: connConfig(L, o),
		Loops:      optInt(L, o, "loops", 0),
		ReusePort:  optBool(L, o, "reuse_port", false),
		MaxConns:   optInt(L, o, "max_conns", 0),
	}
	if lb := optString(L, o, "lb", ""); lb != "" {
		b, err := reactor.ParseLoadBalancing(lb)
		if err != nil {
			L.RaiseError("option lb: %v", err)
		}
		cfg.LB = b
	}
	h := &netHandler{rt: v.rt, codec: codec, cb: cb, trace: optBool(L, o, "trace", false), highWater: cfg.HighWater,
		idle: secondsToDuration(optNum(L, o, "idle_timeout", 0))}
	switch mode := optString(L, o, "vm", "script"); mode {
	case "script":
	case "loop":
		h.loopMode = true
		h.handler = optString(L, o, "handler", "")
		if h.handler == "" {
			L.RaiseError("net.listen: vm = \"loop\" needs a handler (a .lua file or a module name)")
		}
		if codec.spec == nil && !codec.resp && codec.decode != nil {
			L.RaiseError("net.listen: codec.custom cannot cross into loop VMs; return codec = codec.custom{…} from the handler module")
		}
	default:
		L.RaiseError("option vm: \"script\" or \"loop\", got %q", mode)
	}
	if host := listenHost(rawURL); host == "0.0.0.0" || host == "::" || host == "[::]" {
		v.rt.logf("warning: %s listens on every interface", rawURL)
	}
	e, err := v.rt.engine()
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	srv := &luaServer{v: v}
	srv.ctx, srv.cancel = context.WithCancel(context.Background())
	h.srv = srv
	ln, err := e.Listen(rawURL, h, cfg)
	if err != nil {
		srv.cancel()
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	srv.ln = ln
	srv.kept = true
	v.s.keep++
	ud := L.NewUserData()
	ud.Value = srv
	L.SetMetatable(ud, L.GetTypeMetatable(serverType))
	L.Push(ud)
	return 1
}

func listenHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func rawCodec() *luaCodec { return &luaCodec{name: "raw", spec: rawSpec} }

// dialConfig reads the dial options.
func dialConfig(L *lua.LState, o *lua.LTable) reactor.DialConfig {
	return reactor.DialConfig{
		ConnConfig: connConfig(L, o),
		Timeout:    secondsToDuration(optNum(L, o, "timeout", 0)),
	}
}

// defaultTCPKeepAlive is tcp_keepalive's default for net.listen and
// net.dial alike, in seconds (Go's net uses 15 s for both).
const defaultTCPKeepAlive = 30

// connConfig reads the conn options net.listen and net.dial share, with
// the same defaults on both sides.
func connConfig(L *lua.LState, o *lua.LTable) reactor.ConnConfig {
	return reactor.ConnConfig{
		NoDelayOff:     !optBool(L, o, "tcp_no_delay", true),
		KeepAlive:      secondsToDuration(optNum(L, o, "tcp_keepalive", defaultTCPKeepAlive)),
		HighWater:      optInt(L, o, "high_water", 0),
		LowWater:       optInt(L, o, "low_water", 0),
		MaxOutbound:    optInt(L, o, "max_outbound", 0),
		HalfClose:      true, // see netHandler.OnReadEOF
		CoalesceWrites: optBool(L, o, "coalesce_writes", false),
	}
}

func (v *vm) netDial(L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := optTable(L, 2)
	codec, cb := v.connOptions(L, o)
	cfg := dialConfig(L, o)
	e, err := v.rt.engine()
	if err != nil {
		L.RaiseError("net.dial: %v", err)
	}
	h := &netHandler{rt: v.rt, codec: codec, cb: cb, trace: optBool(L, o, "trace", false), highWater: cfg.HighWater}
	lc := h.newConn(v, codec, cb)
	h.dial = lc
	lc.keepAlive()
	e.DialAsync(rawURL, h, cfg, func(c *reactor.Conn, err error) {
		if err != nil {
			v.s.post(func() {
				if lc.conn == nil {
					lc.closed(err)
				}
			})
		}
	})
	L.Push(lc.ud)
	return 1
}

func (v *vm) netConnect(L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := optTable(L, 2)
	codec, cb := v.connOptions(L, o)
	cfg := dialConfig(L, o)
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	e, err := v.rt.engine()
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	h := &netHandler{rt: v.rt, codec: codec, cb: cb, trace: optBool(L, o, "trace", false), highWater: cfg.HighWater}
	lc := h.newConn(v, codec, cb)
	h.dial = lc
	s := v.s
	co := s.cur
	return s.await(L, "net.connect", func(wake func(...lua.LValue)) {
		gen := co.gen
		e.DialAsync(rawURL, h, cfg, func(c *reactor.Conn, err error) {
			if err != nil {
				wake(lua.LNil, lua.LString(err.Error()))
				return
			}
			// OnOpen posted lc.opened before this; the wake is queued after
			// it. A connect whose caller was interrupted closes its conn.
			s.post(func() {
				if !co.waiting || co.gen != gen {
					c.Close()
				}
			})
			wake(lc.ud)
		})
	})
}

const serverType = "netplay.server"

// luaServer is a listener as Lua sees it; VM goroutine only.
// methodsField names a metatable field holding a type's method table when
// its __index is a function: the shell completes obj:method from it without
// calling anything.
const methodsField = "__methods"

type luaServer struct {
	v      *vm
	ln     *reactor.Listener
	kept   bool
	closed bool
	ctx    context.Context // cancelled when the server has shut down
	cancel context.CancelFunc
}

func (s *luaServer) release() {
	s.cancel()
	if s.kept {
		s.kept = false
		s.v.s.keep--
	}
}

func checkServer(L *lua.LState) *luaServer {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if s, ok := ud.Value.(*luaServer); ok {
			return s
		}
	}
	L.ArgError(1, "server expected")
	return nil
}

var serverMethods = map[string]lua.LGFunction{
	"stats": func(L *lua.LState) int {
		st := checkServer(L).ln.Stats()
		t := L.NewTable()
		t.RawSetString("accepted", lua.LNumber(st.Accepted))
		t.RawSetString("rejected", lua.LNumber(st.Rejected))
		t.RawSetString("active", lua.LNumber(st.Active))
		t.RawSetString("bytes_in", lua.LNumber(st.BytesIn))
		t.RawSetString("bytes_out", lua.LNumber(st.BytesOut))
		t.RawSetString("accept_errors", lua.LNumber(st.AcceptErrors))
		L.Push(t)
		return 1
	},
	"conns": func(L *lua.LState) int {
		infos := checkServer(L).ln.Conns()
		t := L.CreateTable(len(infos), 0)
		for i, ci := range infos {
			t.RawSetInt(i+1, connInfoTable(L, ci))
		}
		L.Push(t)
		return 1
	},
	"close": func(L *lua.LState) int {
		s := checkServer(L)
		if s.closed {
			return 0
		}
		s.closed = true
		grace := secondsToDuration(float64(L.OptNumber(2, 5)))
		ln := s.ln
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			ln.Close(ctx)
			s.v.s.post(s.release)
		}()
		return 0
	},
}

func connInfoTable(L *lua.LState, ci reactor.ConnInfo) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("id", lua.LNumber(ci.ID))
	t.RawSetString("network", lua.LString(ci.Network))
	if ci.Local != nil {
		t.RawSetString("local", lua.LString(ci.Local.String()))
	}
	if ci.Remote != nil {
		t.RawSetString("remote", lua.LString(ci.Remote.String()))
	}
	t.RawSetString("loop", lua.LNumber(ci.Loop))
	t.RawSetString("bytes_in", lua.LNumber(ci.BytesIn))
	t.RawSetString("bytes_out", lua.LNumber(ci.BytesOut))
	return t
}

func serverIndex(methods *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		s := checkServer(L)
		switch key := L.CheckString(2); key {
		case "addr":
			L.Push(lua.LString(s.ln.Addr().String()))
		case "ctx":
			L.Push(newCtx(L, s.ctx))
		case "url":
			u := s.ln.URL()
			if i := strings.Index(u, "://"); i >= 0 && !strings.HasPrefix(u, "unix") {
				u = u[:i+3] + s.ln.Addr().String()
			}
			L.Push(lua.LString(u))
		default:
			L.Push(methodOf(L, methods, "server", key))
		}
		return 1
	}
}
