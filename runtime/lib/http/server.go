package http

import (
	"bytes"
	stdctx "context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

// serverOptions are http.listen's options, Go's names in snake_case.
type serverOptions struct {
	limits      http1.Limits
	timeouts    Timeouts
	maxRequests int
	maxConns    int
	loopMode    bool
	handler     string // loop mode: a .lua file or module returning the handler
}

// listenOpts are http.listen's options (luautil.Options: a typo is an
// error naming the closest key).
var listenOpts = luautil.NewOptions("http.listen", "keep_alives_enabled:boolean", "idle_timeout:number",
	"read_header_timeout:number", "read_timeout:number", "write_timeout:number", "max_header_bytes:integer",
	"max_body_bytes:integer", "max_requests_per_conn:integer", "max_conns:integer", "vm:string", "handler:string",
	"loops:integer", "reuse_port:boolean", "max_outbound:integer")

// DefaultMaxConns is http.listen's max_conns: past it a new conn gets a 503.
const DefaultMaxConns = 1024

const serverType = "netplay.http.server"

// luaServer is an HTTP server as Lua sees it; script VM goroutine only.
type luaServer struct {
	s      *server
	ln     *reactor.Listener
	held   func()
	closed bool
}

func listen(v host.VM, L *lua.LState) int {
	rawURL := L.CheckString(1)
	var fn *lua.LFunction
	optIdx := 3
	switch h := L.Get(2).(type) {
	case *lua.LFunction:
		fn = h
	case *lua.LTable:
		optIdx = 2 // http.listen(url, {vm = "loop", handler = "h.lua"})
	case *lua.LNilType:
		// http.listen(url, nil, {vm = "loop", handler = "h.lua"})
	default:
		L.ArgError(2, "handler function expected")
	}
	o := listenOpts.Table(L, optIdx)
	if v.Kind() != host.Script {
		L.RaiseError("http.listen: only the script VM can listen")
	}
	opts := serverOptions{
		limits: http1.Limits{
			MaxHeaderBytes: luautil.OptInt(L, o, "max_header_bytes", http1.DefaultMaxHeaderBytes),
			MaxBodyBytes:   int64(luautil.OptInt(L, o, "max_body_bytes", http1.DefaultMaxBodyBytes)),
		},
		timeouts: Timeouts{
			Idle:       luautil.Seconds(luautil.OptNum(L, o, "idle_timeout", 0)),
			ReadHeader: luautil.Seconds(luautil.OptNum(L, o, "read_header_timeout", DefaultReadHeaderTimeout.Seconds())),
			Read:       luautil.Seconds(luautil.OptNum(L, o, "read_timeout", 0)),
			Write:      luautil.Seconds(luautil.OptNum(L, o, "write_timeout", 0)),
		},
		maxRequests: luautil.OptInt(L, o, "max_requests_per_conn", DefaultMaxRequestsPerConn),
		maxConns:    luautil.OptInt(L, o, "max_conns", DefaultMaxConns),
	}
	switch mode := luautil.OptString(L, o, "vm", "script"); mode {
	case "script":
		if fn == nil {
			L.RaiseError("http.listen: a handler function is needed (or vm = \"loop\" with handler = file)")
		}
	case "loop":
		opts.loopMode = true
		opts.handler = luautil.OptString(L, o, "handler", "")
		if opts.handler == "" {
			L.RaiseError("http.listen: vm = \"loop\" needs handler = a .lua file or module returning function(req, res)")
		}
	default:
		L.RaiseError("option vm: \"script\" or \"loop\", got %q", mode)
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" {
		L.ArgError(1, "http://host:port expected")
	}
	hostPort := u.Host
	if strings.HasPrefix(hostPort, ":") {
		hostPort = "127.0.0.1" + hostPort
	}
	if h := u.Hostname(); h == "0.0.0.0" || h == "::" {
		v.Logf("warning: %s listens on every interface", rawURL)
	}
	e, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	s := &server{v: v, opts: opts, fn: fn}
	s.keepAlive.Store(luautil.OptBool(L, o, "keep_alives_enabled", true))
	s.ctx, s.cancel = stdctx.WithCancel(stdctx.Background())
	cfg := reactor.ListenConfig{
		ConnConfig: reactor.ConnConfig{MaxOutbound: luautil.OptInt(L, o, "max_outbound", 0)},
		Loops:      luautil.OptInt(L, o, "loops", 0),
		ReusePort:  luautil.OptBool(L, o, "reuse_port", false),
		MaxConns:   opts.maxConns + 64, // past max_conns the server itself answers 503
	}
	ls := &luaServer{s: s}
	s.onDown = func() {
		if ls.held != nil {
			ls.held()
			ls.held = nil
		}
	}
	ln, err := e.Listen("tcp://"+hostPort, s, cfg)
	if err != nil {
		s.cancel()
		return pushErr(L, fmt.Errorf("http.listen %s: %v", rawURL, err))
	}
	ls.ln = ln
	ls.held = v.Hold()
	ud := L.NewUserData()
	ud.Value = ls
	L.SetMetatable(ud, L.GetTypeMetatable(serverType))
	L.Push(ud)
	return 1
}

func pushErr(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

func checkServer(L *lua.LState) *luaServer {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if s, ok := ud.Value.(*luaServer); ok {
			return s
		}
	}
	L.ArgError(1, "http server expected")
	return nil
}

func openServerType(L *lua.LState) {
	mt := L.NewTypeMetatable(serverType)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"set_keep_alives_enabled": func(L *lua.LState) int {
			ls := checkServer(L)
			on := L.CheckBool(2)
			ls.s.keepAlive.Store(on)
			if !on {
				ls.s.conns.each(func(st *sconn) {
					st.c.Wake(func(*reactor.Conn, error) { st.closeIfIdle() })
				})
			}
			return 0
		},
		"stats": func(L *lua.LState) int {
			ls := checkServer(L)
			st := ls.ln.Stats()
			t := L.NewTable()
			t.RawSetString("accepted", lua.LNumber(st.Accepted))
			t.RawSetString("active", lua.LNumber(ls.s.active.Load()))
			t.RawSetString("upgraded", lua.LNumber(ls.s.upgraded.count()))
			t.RawSetString("bytes_in", lua.LNumber(st.BytesIn))
			t.RawSetString("bytes_out", lua.LNumber(st.BytesOut))
			L.Push(t)
			return 1
		},
		"close": func(L *lua.LState) int {
			ls := checkServer(L)
			if ls.closed {
				return 0
			}
			ls.closed = true
			grace := luautil.Seconds(float64(L.OptNumber(2, 5)))
			ln := ls.ln
			ls.s.upgraded.goingAway() // WebSockets get a 1001 before the listener closes them
			go func() {
				ctx, cancel := stdctx.WithTimeout(stdctx.Background(), grace)
				defer cancel()
				ln.Close(ctx)
			}()
			return 0
		},
	})
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		ls := checkServer(L)
		switch key := L.CheckString(2); key {
		case "addr":
			L.Push(lua.LString(ls.ln.Addr().String()))
		case "url":
			L.Push(lua.LString("http://" + ls.ln.Addr().String()))
		case "ctx":
			L.Push(luactx.New(L, ls.s.ctx))
		default:
			L.Push(luautil.MethodOf(L, methods, "http server", key))
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		ls := checkServer(L)
		L.Push(lua.LString(fmt.Sprintf("http server http://%s (%d conns)", ls.ln.Addr(), ls.s.active.Load())))
		return 1
	}))
}

// handlersKey keys a loop VM's loaded handler functions (host.VM.Local).
type handlersKey struct{}

// loopHandler loads handler (a .lua path, relative to the main script's
// folder, or a module name on package.path) once into loop VM v; the chunk
// returns the handler function.
func loopHandler(v host.VM, handler string) (*lua.LFunction, error) {
	loaded := v.Local(handlersKey{}, func() any { return map[string]*lua.LFunction{} }).(map[string]*lua.LFunction)
	if fn := loaded[handler]; fn != nil {
		return fn, nil
	}
	L := v.L()
	idx := v.Conns().OwnLoop().Index()
	var chunk *lua.LFunction
	var args []lua.LValue
	var err error
	if strings.HasSuffix(handler, ".lua") || strings.ContainsRune(handler, '/') {
		path, rerr := v.Resolve(handler) // the sandbox: inside the script's folder
		var src []byte
		if err = rerr; err == nil {
			src, err = os.ReadFile(path)
		}
		if err == nil {
			if chunk, err = L.Load(bytes.NewReader(src), path); err != nil {
				err = host.SyntaxError(path, err, strings.Count(string(src), "\n")+1)
			}
		}
	} else {
		chunk = L.GetGlobal("require").(*lua.LFunction)
		args = []lua.LValue{lua.LString(handler)}
	}
	if err != nil {
		return nil, fmt.Errorf("loop VM %d: http handler %s: %v", idx, handler, err)
	}
	if err := L.CallByParam(lua.P{Fn: chunk, NRet: 1, Protect: true}, args...); err != nil {
		return nil, fmt.Errorf("loop VM %d: http handler %s: %v", idx, handler, err)
	}
	fn, ok := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	if !ok {
		return nil, fmt.Errorf("loop VM %d: http handler %s must return function(req, res)", idx, handler)
	}
	loaded[handler] = fn
	return fn, nil
}
