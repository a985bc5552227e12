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

// Field and Lookup make a conn luautil.Fielded: its type's __index
// (luautil.SetPromotingIndex) answers c.id and friends through connField
// and gives a busy conn a metatable of its own.
func (lc *luaConn) Field(L *lua.LState, key string) (lua.LValue, bool, bool) {
	return connField(L, lc, key)
}

func (lc *luaConn) Lookup() int { lc.lookups++; return lc.lookups }

// openConnType registers the conn type's metatable in L.
func openConnType(L *lua.LState) {
	cm := L.NewTypeMetatable(connType)
	methods := L.SetFuncs(L.NewTable(), connMethods)
	methods.RawSetString("receive", luautil.NamedExactResults(L, "receive", connReceive))
	luautil.SetPromotingIndex(L, cm, "conn", methods)
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
