package net

import (
	stdctx "context"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	lua "github.com/yuin/gopher-lua"
)

const connType = "netplay.conn"

// callbacks are a conn's Lua handlers; all belong to the VM that runs them.
type callbacks struct {
	onOpen, onMessage, onClose, onWritable *lua.LFunction
}

func readCallbacks(t *lua.LTable) callbacks {
	fn := func(k string) *lua.LFunction {
		f, _ := t.RawGetString(k).(*lua.LFunction)
		return f
	}
	return callbacks{fn("on_open"), fn("on_message"), fn("on_close"), fn("on_writable")}
}

// luaConn is a conn as its VM sees it. Its parts, one file each: the
// message backlog (backlog.go), the write path (write.go), the close
// state machine (close.go). Everything here belongs to the owner VM's
// goroutine unless noted.
type luaConn struct {
	v        host.VM
	conn     *reactor.Conn // nil until open (net.dial)
	st       *connState
	ud       *lua.LUserData
	framer   codec.Framer
	cf       codec.ConnFramer // framer's per-conn state, on this VM
	cb       callbacks
	counters *host.Counters // v's
	data     *lua.LTable
	ctx      stdctx.Context
	cancel   stdctx.CancelFunc
	ctxUD    *lua.LUserData // c.ctx: one userdata, so c.ctx == c.ctx
	lookups  int            // through the shared __index, until promote
	target   string         // the URL a dialed conn goes to; "" for an accepted one

	backlog
	w writer
	closer
}

func newLuaConn(v host.VM, f codec.Framer, cb callbacks, highWater int) *luaConn {
	lc := &luaConn{v: v, framer: f, cf: f.Conn(v), cb: cb, counters: v.Counters()}
	lc.w.init(highWater)
	lc.w.ch, lc.w.counters, lc.w.mem = v.Conns(), lc.counters, memwatch.Of(v.Shared)
	lc.msgDone = lc.messageDone
	L := v.L()
	lc.ud = L.NewUserData()
	lc.ud.Value = lc
	L.SetMetatable(lc.ud, L.GetTypeMetatable(connType))
	return lc
}

// opened binds the reactor conn and runs on_open.
func (lc *luaConn) opened(c *reactor.Conn, st *connState) {
	lc.bind(c, st)
	lc.track(st.h)
	lc.hold()
	if lc.cb.onOpen != nil {
		lc.v.Call(lc.cb.onOpen, lc.openDone, lc.ud)
	}
}

// bind attaches the reactor conn.
func (lc *luaConn) bind(c *reactor.Conn, st *connState) {
	lc.conn, lc.st = c, st
	lc.w.conn = c
	lc.w.direct = st.own == c.Loop()
	lc.w.taps, lc.w.framer = &st.h.taps, lc.framer
	st.lc = lc
}

// setFramer swaps the conn's framing (c:set_codec): the VM side at once,
// the loop's splitter on the loop, which then decodes what it has buffered
// with the new one.
func (lc *luaConn) setFramer(f codec.Framer) {
	lc.framer, lc.cf = f, f.Conn(lc.v)
	lc.w.framer = f
	c, st := lc.conn, lc.st
	if c == nil || st == nil {
		return
	}
	swap := func() {
		st.split = f.Splitter()
		st.tap.framer = f
		c.Wake(nil)
	}
	if lc.w.onConnLoop() {
		swap()
	} else {
		c.Loop().ExecuteUnbounded(swap) // one per set_codec call; must not be dropped
	}
}

func checkConn(L *lua.LState) *luaConn { return luautil.CheckUserData[*luaConn](L, 1, "conn") }

// connField returns the conn field key (c.id, c.remote, c.local, c.ctx,
// c.data, c.codec); ok is false for any other key. fixed reports a value
// that cannot change from now on, so a conn's own metatable may keep it.
func connField(L *lua.LState, lc *luaConn, key string) (v lua.LValue, fixed, ok bool) {
	switch key {
	case "id":
		if lc.conn == nil {
			return lua.LNil, false, true
		}
		return lua.LNumber(lc.conn.ID()), true, true
	case "remote", "local", "local_addr":
		if lc.conn == nil {
			return lua.LNil, false, true
		}
		a := lc.conn.RemoteAddr()
		if key != "remote" {
			a = lc.conn.LocalAddr()
		}
		if a == nil {
			return lua.LNil, true, true
		}
		return lua.LString(a.String()), true, true
	case "ctx":
		if lc.ctx == nil {
			lc.ctx, lc.cancel = stdctx.WithCancel(stdctx.Background())
			if lc.closeDone {
				lc.cancel()
			}
		}
		if lc.ctxUD == nil {
			lc.ctxUD = luactx.New(L, lc.ctx)
		}
		return lc.ctxUD, true, true
	case "data":
		if lc.data == nil {
			lc.data = L.NewTable()
		}
		return lc.data, true, true
	case "codec":
		return lua.LString(lc.framer.Name()), false, true
	}
	return nil, false, false
}

// connFields are the fields connField answers, published as the
// metatable's __fields so the shell completes them after "c.".
var connFields = []string{"id", "remote", "local_addr", "ctx", "data", "codec"}

// describe is the conn's live state for tostring: "conn 3 tcp
// 127.0.0.1:9000 <- 127.0.0.1:53122 (open)"; a dialed conn shows "->",
// one not connected yet its target, a failed dial its error.
func (lc *luaConn) describe() string {
	state := "open"
	switch {
	case lc.closeDone || lc.w.closing:
		state = "closed"
		if lc.closeErr != "" {
			state += ": " + lc.closeErr
		}
	case lc.eof:
		state = "closing"
	}
	if lc.conn == nil {
		if state == "open" {
			state = "connecting"
		} else if lc.closeErr != "" {
			state = "dial failed: " + lc.closeErr
		}
		return "conn " + lc.target + " (" + state + ")"
	}
	arrow, la, ra := " <- ", "?", "?"
	if lc.target != "" {
		arrow = " -> "
	}
	network := "tcp"
	if a := lc.conn.LocalAddr(); a != nil {
		la, network = a.String(), a.Network()
	}
	if a := lc.conn.RemoteAddr(); a != nil {
		ra = a.String()
	}
	return "conn " + luautil.FmtNumber(float64(lc.conn.ID())) + " " + network + " " + la + arrow + ra + " (" + state + ")"
}

// promoteAfter is how many lookups a conn makes through the shared __index
// function before it gets a metatable of its own: enough that a conn which
// answers one request and closes never pays for one.
const promoteAfter = 8

// connIndex is the __index of the conn type's shared metatable: a Go
// function, since fields such as c.id belong to each conn. A conn that keeps
// looking things up (a handler's c:send per message) gets a metatable of its
// own (promote), in which its methods and fixed fields are found without
// calling Go: the call costs more than the rest of a small c:send.
func connIndex(methods, own *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		lc := checkConn(L)
		key := L.CheckString(2)
		v, _, ok := connField(L, lc, key)
		if !ok {
			v = luautil.MethodOf(L, methods, "conn", key)
		}
		if lc.lookups++; lc.lookups >= promoteAfter {
			lc.promote(L, own)
		}
		L.Push(v)
		return 1
	}
}

// promote gives the conn a metatable of its own: a copy of the type's
// metatable that is also its own __index, so methods and fields found once
// are kept in it and found by table lookups; a miss goes to own's __index
// (ownConnIndex). It costs about 850 B (a gopher-lua table with string
// keys keeps two Go maps). The conn's userdata is kept for that miss under
// the key own, a table no script names, so c[1] stays an error as before.
func (lc *luaConn) promote(L *lua.LState, own *lua.LTable) {
	shared, ok := lc.ud.Metatable.(*lua.LTable)
	if !ok || shared != L.GetTypeMetatable(connType) {
		return
	}
	mt := L.CreateTable(0, 4)
	shared.ForEach(func(k, v lua.LValue) {
		if k != lua.LString(luautil.MethodsField) { // the shell finds it behind, in own
			mt.RawSet(k, v)
		}
	})
	mt.RawSet(own, lc.ud)
	mt.RawSetString("__index", mt)
	mt.Metatable = own
	lc.ud.Metatable = mt
}

// ownConnIndex is the __index behind a promoted conn's metatable (see
// promote): it gets that metatable, finds the conn under the key own, and
// keeps what it found there unless it can change.
func ownConnIndex(methods, own *lua.LTable) lua.LGFunction {
	return func(L *lua.LState) int {
		mt := L.CheckTable(1)
		key := L.CheckString(2)
		var lc *luaConn
		if ud, ok := mt.RawGet(own).(*lua.LUserData); ok {
			lc, _ = ud.Value.(*luaConn)
		}
		if lc == nil { // a script took the conn out of getmetatable(c)
			L.RaiseError("conn metatable without its conn")
		}
		v, fixed, ok := connField(L, lc, key)
		if !ok {
			v, fixed = luautil.MethodOf(L, methods, "conn", key), true
		}
		if fixed {
			mt.RawSetString(key, v)
		}
		L.Push(v)
		return 1
	}
}

// openConnType registers the conn type's metatable in L.
func openConnType(L *lua.LState) {
	cm := L.NewTypeMetatable(connType)
	methods := L.SetFuncs(L.NewTable(), connMethods)
	methods.RawSetString("receive", luautil.NamedExactResults(L, "receive", connReceive))
	own := L.NewTable() // the metatable of a promoted conn's own metatable
	own.RawSetString("__index", L.NewFunction(ownConnIndex(methods, own)))
	own.RawSetString(luautil.MethodsField, methods)
	L.SetField(cm, "__index", L.NewFunction(connIndex(methods, own)))
	L.SetField(cm, luautil.MethodsField, methods)
	L.SetField(cm, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkConn(L).describe()))
		return 1
	}))
	fields := L.NewTable()
	for _, f := range connFields {
		fields.Append(lua.LString(f))
	}
	L.SetField(cm, "__fields", fields)
}
