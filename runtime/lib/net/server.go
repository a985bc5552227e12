package net

import (
	stdctx "context"
	"strings"
	"sync"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

const serverType = "netplay.server"

// luaServer is a listener as Lua sees it; VM goroutine only.
type luaServer struct {
	v     host.VM
	id    int // 1, 2, … per VM, for net.servers() and the shell's :close
	ud    *lua.LUserData
	ln    *reactor.Listener
	h     *netHandler
	loops int // the listener's loops option (0: all), for reload
	// reloadMu lets one srv:reload run at a time (reload.go).
	reloadMu sync.Mutex
	watching bool   // srv:watch started (watch.go)
	held     func() // lets the script end once the server is gone
	closed   bool
	ctx      stdctx.Context // cancelled when the server has shut down
	cancel   stdctx.CancelFunc
}

// serverList is a VM's open servers, in the order they started
// (net.servers()); VM goroutine only.
type serverList struct {
	n    int
	open []*luaServer
}

type serverListKey struct{}

func servers(v host.VM) *serverList {
	return v.Local(serverListKey{}, func() any { return &serverList{} }).(*serverList)
}

// add gives s its id and lists it.
func (l *serverList) add(s *luaServer) {
	l.n++
	s.id = l.n
	l.open = append(l.open, s)
}

func (l *serverList) remove(s *luaServer) {
	for i, x := range l.open {
		if x == s {
			l.open = append(l.open[:i], l.open[i+1:]...)
			return
		}
	}
}

// netServers is net.servers(): the VM's servers not closed yet.
func netServers(v host.VM, L *lua.LState) int {
	l := servers(v)
	t := L.CreateTable(len(l.open), 0)
	for _, s := range l.open {
		if !s.closed {
			t.Append(s.value(L))
		}
	}
	L.Push(t)
	return 1
}

func (s *luaServer) release() {
	servers(s.v).remove(s)
	s.cancel()
	if s.held != nil {
		s.held()
		s.held = nil
	}
}

// value wraps s for Lua.
func (s *luaServer) value(L *lua.LState) *lua.LUserData {
	if s.ud == nil { // one userdata, so net.servers()[i] == srv
		s.ud = L.NewUserData()
		s.ud.Value = s
		L.SetMetatable(s.ud, L.GetTypeMetatable(serverType))
	}
	return s.ud
}

// openServerType registers the server type's metatable in L.
func openServerType(L *lua.LState) {
	sm := L.NewTypeMetatable(serverType)
	smethods := L.SetFuncs(L.NewTable(), serverMethods)
	smethods.RawSetString("reload", luautil.ExactResults(L, srvReload))
	smethods.RawSetString("watch", L.NewFunction(srvWatch))
	L.SetField(sm, "__index", L.NewFunction(serverIndex(smethods)))
	L.SetField(sm, luautil.MethodsField, smethods)
	fields := L.NewTable()
	for _, f := range []string{"id", "addr", "url", "ctx"} {
		fields.Append(lua.LString(f))
	}
	L.SetField(sm, "__fields", fields)
	L.SetField(sm, "__tostring", L.NewFunction(func(L *lua.LState) int {
		srv := checkServer(L)
		state := luautil.FmtNumber(float64(srv.ln.Stats().Active)) + " conns"
		if srv.closed {
			state = "closed"
		}
		L.Push(lua.LString("server " + luautil.FmtNumber(float64(srv.id)) + " " + srv.ln.URL() + " (" + state + ")"))
		return 1
	}))
}

func checkServer(L *lua.LState) *luaServer { return luautil.CheckUserData[*luaServer](L, 1, "server") }

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
		grace := luautil.Seconds(float64(L.OptNumber(2, 5)))
		ln := s.ln
		go func() {
			ctx, cancel := stdctx.WithTimeout(stdctx.Background(), grace)
			defer cancel()
			ln.Close(ctx)
			s.v.Post(s.release)
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
		case "id":
			L.Push(lua.LNumber(s.id))
		case "addr":
			L.Push(lua.LString(s.ln.Addr().String()))
		case "ctx":
			L.Push(luactx.New(L, s.ctx))
		case "url":
			u := s.ln.URL()
			if i := strings.Index(u, "://"); i >= 0 && !strings.HasPrefix(u, "unix") {
				u = u[:i+3] + s.ln.Addr().String()
			}
			L.Push(lua.LString(u))
		default:
			L.Push(luautil.MethodOf(L, methods, "server", key))
		}
		return 1
	}
}
