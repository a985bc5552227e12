// Package net is the net Lua module: TCP, UDP and Unix servers and
// clients on netplay's reactor, and the conn binding that carries a
// message from the loop that read it to on_message and the reply back.
package net

import (
	stdctx "context"
	"net/url"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	"github.com/netplay-lab/netplay/runtime/lib/proxy"
	lua "github.com/yuin/gopher-lua"
)

// Module is the net Lua module.
var Module = &host.Module{
	ModuleDoc: host.ModuleDoc{Name: "net", Doc: "TCP, UDP and Unix servers and clients on netplay's reactor. Addresses are URLs (tcp://127.0.0.1:9000, udp://…, unix:///path); a listen URL without a host binds 127.0.0.1 (0.0.0.0 must be written out and prints a warning). On a UDP listener each datagram is one on_message(c, msg) whose c:send answers its sender (no on_open/on_close).",
		Funcs: append([]host.FuncDoc{
			{Name: "listen", Signature: "net.listen(url, {codec, on_open, on_message, on_close, on_writable, loops, lb, reuse_port, tcp_no_delay, tcp_keepalive, idle_timeout, max_conns, high_water, low_water, max_outbound, coalesce_writes, vm, handler, trace}) -> srv | nil, err", Doc: "Starts a server. Handlers run on the script VM, one message at a time per conn; vm = \"loop\" runs handler (a .lua file or module returning on_* functions) in one VM per event loop instead. coalesce_writes = true sends each conn's replies once per event-loop round, after every ready conn was handled, as redis-server does: clients pipelining from one thread wake up less often; replies wait for the round.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, msg) c:send(msg) end})\nprint(srv.addr)\nsrv:close()"},
			{Name: "dial", Signature: "net.dial(url, {codec, on_open, on_message, on_close, on_writable}) -> c", Doc: "Connects in the background; on_open(c) when connected, on_close(c, err) if it fails. Also takes net.listen's conn options: tcp_no_delay, tcp_keepalive, high_water, low_water, max_outbound, coalesce_writes.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {on_message = function(c, m) c:send(m) end})\nlocal c = net.dial('tcp://' .. srv.addr, {on_open = function(c) c:send('hi') end,\n  on_message = function(c, m) print('echo', m); c:close() end,\n  on_close = function() srv:close() end})"},
			{Name: "connect", Suspends: true, Signature: "net.connect(url, {codec, timeout = 3}) -> c | nil, err", Doc: "Connects and suspends the caller until connected; read with c:receive.",
				Example: "local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(), on_message = function(c, m) c:send(m:upper()) end})\nlocal c = assert(net.connect('tcp://' .. srv.addr, {codec = codec.line()}))\nc:send('ping')\nassert(c:receive(1) == 'PING')\nc:close()\nsrv:close()"},
			{Name: "config", Signature: "net.config{max_conns = n} -> limit | nil, err", Doc: "Sets the network engine's settings: max_conns is its limit on open conns (default min(4096, RLIMIT_NOFILE - 64)), at most what the file-descriptor limit allows. Returns the limit in force; with no options it only reports it.",
				Example: "local lim = assert(net.config{max_conns = 2000})\nassert(lim == 2000 and net.config() == 2000)\nlocal ok, err = net.config{max_conns = 0}\nassert(ok == nil and err:match('max_conns 0'))"},
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
		}, proxy.Docs...)},

	Kinds: host.Script | host.Loop,
	Open: func(v host.VM) *lua.LTable {
		L := v.L()
		openConnType(L)
		openServerType(L)
		mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"listen": func(L *lua.LState) int { return netListen(v, L) },
			"dial":   func(L *lua.LState) int { return netDial(v, L) },
			"config": func(L *lua.LState) int { return netConfig(v, L) },
		})
		mod.RawSetString("connect", luautil.ExactResults(L, func(L *lua.LState) int { return netConnect(v, L) }))
		proxy.Install(v, mod)
		return mod
	},
}

// connOptions reads the options shared by listen, dial and connect.
func connOptions(v host.VM, L *lua.LState, o *lua.LTable) (codec.Framer, callbacks) {
	f := codec.Raw()
	if cv := o.RawGetString("codec"); cv != lua.LNil {
		var ok bool
		if f, ok = codec.FromValue(cv); !ok {
			L.RaiseError("option codec: codec expected (codec.line{…}, codec.raw(), …)")
		}
	}
	if owner := f.Owner(); owner != nil && owner != v {
		L.RaiseError("option codec: codec.custom belongs to another VM")
	}
	return f, readCallbacks(o)
}

// defaultTCPKeepAlive is tcp_keepalive's default for net.listen and
// net.dial alike, in seconds (Go's net uses 15 s for both).
const defaultTCPKeepAlive = 30

// connConfig reads the conn options net.listen and net.dial share, with
// the same defaults on both sides.
func connConfig(L *lua.LState, o *lua.LTable) reactor.ConnConfig {
	return reactor.ConnConfig{
		NoDelayOff:     !luautil.OptBool(L, o, "tcp_no_delay", true),
		KeepAlive:      luautil.Seconds(luautil.OptNum(L, o, "tcp_keepalive", defaultTCPKeepAlive)),
		HighWater:      luautil.OptInt(L, o, "high_water", 0),
		LowWater:       luautil.OptInt(L, o, "low_water", 0),
		MaxOutbound:    luautil.OptInt(L, o, "max_outbound", 0),
		HalfClose:      true, // see netHandler.OnReadEOF
		CoalesceWrites: luautil.OptBool(L, o, "coalesce_writes", false),
	}
}

// dialConfig reads the dial options.
func dialConfig(L *lua.LState, o *lua.LTable) reactor.DialConfig {
	return reactor.DialConfig{
		ConnConfig: connConfig(L, o),
		Timeout:    luautil.Seconds(luautil.OptNum(L, o, "timeout", 0)),
	}
}

// pushErr returns nil, err to Lua.
func pushErr(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

func netListen(v host.VM, L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := luautil.OptTable(L, 2)
	if v.Kind() != host.Script {
		L.RaiseError("net.listen: only the script VM can listen")
	}
	f, cb := connOptions(v, L, o)
	cfg := reactor.ListenConfig{
		ConnConfig: connConfig(L, o),
		Loops:      luautil.OptInt(L, o, "loops", 0),
		ReusePort:  luautil.OptBool(L, o, "reuse_port", false),
		MaxConns:   luautil.OptInt(L, o, "max_conns", 0),
	}
	if lb := luautil.OptString(L, o, "lb", ""); lb != "" {
		b, err := reactor.ParseLoadBalancing(lb)
		if err != nil {
			L.RaiseError("option lb: %v", err)
		}
		cfg.LB = b
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater,
		idle: luautil.Seconds(luautil.OptNum(L, o, "idle_timeout", 0))}
	switch mode := luautil.OptString(L, o, "vm", "script"); mode {
	case "script":
	case "loop":
		h.loopMode = true
		h.handler = luautil.OptString(L, o, "handler", "")
		if h.handler == "" {
			L.RaiseError("net.listen: vm = \"loop\" needs a handler (a .lua file or a module name)")
		}
		if f.Owner() != nil {
			L.RaiseError("net.listen: codec.custom cannot cross into loop VMs; return codec = codec.custom{…} from the handler module")
		}
	default:
		L.RaiseError("option vm: \"script\" or \"loop\", got %q", mode)
	}
	if host := listenHost(rawURL); host == "0.0.0.0" || host == "::" || host == "[::]" {
		v.Logf("warning: %s listens on every interface", rawURL)
	}
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	srv := &luaServer{v: v}
	srv.ctx, srv.cancel = stdctx.WithCancel(stdctx.Background())
	h.srv = srv
	ln, err := e.Listen(rawURL, h, cfg)
	if err != nil {
		srv.cancel()
		return pushErr(L, err)
	}
	srv.ln = ln
	srv.held = v.Hold()
	L.Push(srv.value(L))
	return 1
}

func listenHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func netDial(v host.VM, L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := luautil.OptTable(L, 2)
	f, cb := connOptions(v, L, o)
	cfg := dialConfig(L, o)
	e, err := v.Engine()
	if err != nil {
		L.RaiseError("net.dial: %v", err)
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater}
	lc := newLuaConn(v, f, cb, h.highWater)
	h.dial = lc
	lc.hold()
	e.DialAsync(rawURL, h, cfg, func(c *reactor.Conn, err error) {
		if err != nil {
			v.Post(func() {
				if lc.conn == nil {
					lc.closed(err)
				}
			})
		}
	})
	L.Push(lc.ud)
	return 1
}

func netConnect(v host.VM, L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := luautil.OptTable(L, 2)
	f, cb := connOptions(v, L, o)
	cfg := dialConfig(L, o)
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater}
	lc := newLuaConn(v, f, cb, h.highWater)
	h.dial = lc
	return v.Await(L, "net.connect", func(w host.Waker) {
		e.DialAsync(rawURL, h, cfg, func(c *reactor.Conn, err error) {
			if err != nil {
				w.Wake(lua.LNil, lua.LString(err.Error()))
				return
			}
			// OnOpen posted lc.opened before this; the wake is queued after
			// it. A connect whose caller was interrupted closes its conn.
			v.Post(func() {
				if !w.Waiting() {
					c.Close()
				}
			})
			w.Wake(lc.ud)
		})
	})
}

// netConfig is net.config{max_conns = n}: it sets the engine's conn limit
// and returns the limit in force, or nil, err.
func netConfig(v host.VM, L *lua.LState) int {
	o := luautil.OptTable(L, 1)
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	if n := o.RawGetString("max_conns"); n != lua.LNil {
		if err := e.SetMaxConns(luautil.OptInt(L, o, "max_conns", 0)); err != nil {
			return pushErr(L, err)
		}
	}
	L.Push(lua.LNumber(e.MaxConns()))
	return 1
}
