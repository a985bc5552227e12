// Package net is the net Lua module: TCP, UDP and Unix servers and
// clients on netplay's reactor, and the conn binding that carries a
// message from the loop that read it to on_message and the reply back.
package net

import (
	stdctx "context"
	_ "embed"
	"fmt"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	"github.com/netplay-lab/netplay/runtime/lib/proxy"
	lua "github.com/yuin/gopher-lua"
)

// docMD documents the module (docs/lua-api.md, :help); a test runs its examples.
//
//go:embed doc.md
var docMD string

// Module is the net Lua module.
var Module = host.NewModule(docMD+proxy.DocMD, host.Script|host.Loop, func(v host.VM) *lua.LTable { // net.proxy's entries follow net's own
	L := v.L()
	openConnType(L)
	openServerType(L)
	openTapType(L)
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"listen":  func(L *lua.LState) int { return netListen(v, L) },
		"dial":    func(L *lua.LState) int { return netDial(v, L) },
		"config":  func(L *lua.LState) int { return netConfig(v, L) },
		"servers": func(L *lua.LState) int { return netServers(v, L) },
		"tap":     func(L *lua.LState) int { return netTap(v, L) },
	})
	mod.RawSetString("connect", luautil.NamedExactResults(L, "net.connect", func(L *lua.LState) int { return netConnect(v, L) }))
	proxy.Install(v, mod)
	return mod
})

// connKeys are the options net.listen, net.dial and net.connect share.
var connKeys = []string{"codec:codec", "on_open:function", "on_message:function", "on_close:function", "on_writable:function",
	"tcp_no_delay:boolean", "tcp_keepalive:number", "high_water:integer", "low_water:integer", "max_outbound:integer",
	"coalesce_writes:boolean", "trace:boolean"}

// The options each table-taking function accepts (luautil.Options).
var (
	listenOpts = luautil.NewOptions("net.listen", append([]string{"loops:integer", "reuse_port:boolean", "max_conns:integer",
		"lb:string", "idle_timeout:number", "vm:string", "handler:string", "frame_timeout:number",
		"max_conns_per_ip:integer"}, connKeys...)...)
	dialOpts    = luautil.NewOptions("net.dial", append([]string{"timeout:number"}, connKeys...)...)
	connectOpts = luautil.NewOptions("net.connect", append([]string{"timeout:number"}, connKeys...)...)
	configOpts  = luautil.NewOptions("net.config", "max_conns:integer")
)

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

// Ranges of net.listen's own options.
const (
	maxLoops = 1024    // loops = n: far above any core count
	maxConns = 1 << 20 // max_conns, max_conns_per_ip
)

// connConfig reads the conn options net.listen and net.dial share (fn
// names the caller in range errors), with the same defaults on both sides.
func connConfig(L *lua.LState, fn string, o *lua.LTable) reactor.ConnConfig {
	return reactor.ConnConfig{
		NoDelayOff:     !luautil.OptBool(L, o, "tcp_no_delay", true),
		KeepAlive:      luautil.OptSecondsIn(L, fn, o, "tcp_keepalive", defaultTCPKeepAlive, 0, luautil.MaxSeconds),
		HighWater:      luautil.OptIntIn(L, fn, o, "high_water", 0, 0, luautil.MaxSize),
		LowWater:       luautil.OptIntIn(L, fn, o, "low_water", 0, 0, luautil.MaxSize),
		MaxOutbound:    luautil.OptIntIn(L, fn, o, "max_outbound", 0, 0, luautil.MaxSize),
		HalfClose:      true, // see netHandler.OnReadEOF
		CoalesceWrites: luautil.OptBool(L, o, "coalesce_writes", false),
	}
}

// dialConfig reads the dial options.
func dialConfig(L *lua.LState, fn string, o *lua.LTable) reactor.DialConfig {
	return reactor.DialConfig{
		ConnConfig: connConfig(L, fn, o),
		Timeout:    luautil.OptSecondsIn(L, fn, o, "timeout", 0, 0, luautil.MaxSeconds),
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
	o := listenOpts.Table(L, 2)
	if v.Kind() != host.Script {
		L.RaiseError("net.listen: only the script VM can listen")
	}
	f, cb := connOptions(v, L, o)
	cfg := reactor.ListenConfig{
		ConnConfig: connConfig(L, "net.listen", o),
		Loops:      luautil.OptIntIn(L, "net.listen", o, "loops", 0, 0, maxLoops),
		ReusePort:  luautil.OptBool(L, o, "reuse_port", false),
		MaxConns:   luautil.OptIntIn(L, "net.listen", o, "max_conns", 0, 0, maxConns),
		// opt-in: past it a peer IP's new conns are accepted and closed
		MaxConnsPerIP: luautil.OptIntIn(L, "net.listen", o, "max_conns_per_ip", 0, 0, maxConns),
	}
	if lb := luautil.OptString(L, o, "lb", ""); lb != "" {
		b, err := reactor.ParseLoadBalancing(lb)
		if err != nil {
			L.RaiseError("option lb: %v", err)
		}
		cfg.LB = b
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater,
		idle:         luautil.OptSecondsIn(L, "net.listen", o, "idle_timeout", 0, 0, luautil.MaxSeconds),
		frameTimeout: luautil.OptSecondsIn(L, "net.listen", o, "frame_timeout", defaultFrameTimeout, 0, luautil.MaxSeconds)}
	switch mode := luautil.OptString(L, o, "vm", "script"); mode {
	case "script":
		if file := luautil.OptString(L, o, "handler", ""); file != "" {
			scriptHandler(v, L, h, file)
		}
	case "loop":
		h.loopMode = true
		h.handler = luautil.OptString(L, o, "handler", "")
		if h.handler == "" {
			L.RaiseError("net.listen: vm = \"loop\" needs a handler (a .lua file or a module name)")
		}
		if isHandlerFile(h.handler) { // refused now, not on the first conn
			path, err := v.Resolve(h.handler)
			if err != nil {
				L.RaiseError("net.listen: option handler: %v", err)
			}
			h.handler = path
		}
		if f.Owner() != nil {
			L.RaiseError("net.listen: codec.custom cannot cross into loop VMs; return codec = codec.custom{…} from the handler module")
		}
	default:
		L.RaiseError("option vm: \"script\" or \"loop\", got %q", mode)
	}
	if w := unspecifiedWarning(rawURL); w != "" {
		v.Logf("%s", w)
	}
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	if h.loopMode {
		if err := preloadHandlers(v, e, h.handler, cfg.Loops); err != nil {
			return pushErr(L, err)
		}
	}
	srv := &luaServer{v: v}
	srv.ctx, srv.cancel = stdctx.WithCancel(stdctx.Background())
	h.srv = srv
	srv.h, srv.loops = h, cfg.Loops
	h.initTrace()
	ln, err := e.Listen(rawURL, h, cfg)
	if err != nil {
		srv.cancel()
		return pushErr(L, err)
	}
	srv.ln = ln
	srv.held = v.Hold()
	servers(v).add(srv)
	L.Push(srv.value(L))
	return 1
}

// unspecifiedWarning is the warning for a listen URL that binds every
// interface, in any spelling (0.0.0.0, [::], [::0], [0:0:0:0:0:0:0:0],
// [::ffff:0.0.0.0]); "" for any other URL.
func unspecifiedWarning(rawURL string) string {
	if !reactor.IsUnspecified(rawURL) {
		return ""
	}
	return fmt.Sprintf("warning: %s listens on every interface: other machines can reach it (use 127.0.0.1 or [::1] for this machine only)", rawURL)
}

func netDial(v host.VM, L *lua.LState) int {
	rawURL := L.CheckString(1)
	o := dialOpts.Table(L, 2)
	f, cb := connOptions(v, L, o)
	cfg := dialConfig(L, "net.dial", o)
	e, err := v.Engine()
	if err != nil {
		L.RaiseError("net.dial: %v", err)
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater}
	h.initTrace()
	lc := newLuaConn(v, f, cb, h.highWater)
	lc.target = rawURL
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
	o := connectOpts.Table(L, 2)
	f, cb := connOptions(v, L, o)
	cfg := dialConfig(L, "net.connect", o)
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	h := &netHandler{v: v, framer: f, cb: cb, trace: luautil.OptBool(L, o, "trace", false), highWater: cfg.HighWater}
	h.initTrace()
	lc := newLuaConn(v, f, cb, h.highWater)
	lc.target = rawURL
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
	o := configOpts.Table(L, 1)
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	if n := o.RawGetString("max_conns"); n != lua.LNil {
		if err := e.SetMaxConns(luautil.OptIntIn(L, "net.config", o, "max_conns", 0, 0, maxConns)); err != nil {
			return pushErr(L, err)
		}
	}
	L.Push(lua.LNumber(e.MaxConns()))
	return 1
}

// preloadHandlers loads the handler file into the VM of every loop a
// listener with n loops (0: all) runs on, before it listens: a missing
// file or a syntax error is net.listen's nil, err, not a log line at the
// first client. Each loop loads it on its own goroutine; a loop that runs
// the script VM inline right now (the caller) loads it in place.
func preloadHandlers(v host.VM, e *reactor.Engine, handler string, n int) error {
	loops := e.Loops()
	if n > 0 && n < len(loops) {
		loops = loops[:n]
	}
	errs := make(chan error, len(loops))
	for _, l := range loops {
		load := func() {
			_, err := loopHandler(v.Conns().LoopVM(l), handler)
			errs <- err
		}
		if v.Conns().RunsOn(l) {
			load()
		} else if err := l.Execute(load); err != nil {
			errs <- fmt.Errorf("net.listen: loading handler %s: %v", handler, err)
		}
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for range loops {
		select {
		case err := <-errs:
			if err != nil {
				return fmt.Errorf("net.listen: %v", err)
			}
		case <-deadline.C:
			return fmt.Errorf("net.listen: loading handler %s: no answer from the event loops in 30s", handler)
		}
	}
	return nil
}
