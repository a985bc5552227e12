package ws

import (
	stdctx "context"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/inflow"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/memwatch"
	lua "github.com/yuin/gopher-lua"
)

const (
	connType   = "netplay.ws_conn"
	serverType = "netplay.ws_server"
)

// serverCallbacks are a server's on_* functions on one VM.
type serverCallbacks struct {
	onOpen, onMessage, onClose *lua.LFunction
}

func readServerCallbacks(L *lua.LState, o *lua.LTable) serverCallbacks {
	return serverCallbacks{onOpen: optFunc(L, o, "on_open"), onMessage: optFunc(L, o, "on_message"), onClose: optFunc(L, o, "on_close")}
}

// luaServerH delivers a server's events to Lua: on the script VM through
// its queue, or inline on the loop's VM with vm = "loop".
type luaServerH struct {
	v       host.VM // the script VM
	cb      serverCallbacks
	handler string // vm = "loop": the handler module
	// loopVM: ws.upgrade called on this loop VM; its callbacks (cb) run
	// inline on its loop, where the upgraded conn lives.
	loopVM host.VM
	ls     *luaServer
	pool   *serverPool // pool = true (script VM only): pool.go
}

// luaConn is one server conn as one VM sees it.
type luaConn struct {
	c       *SConn
	v       host.VM
	cb      serverCallbacks
	ud      *lua.LUserData
	data    *lua.LTable
	onLoop  bool               // a loop VM's conn: sends are gathered on the loop
	lookups int                // through the type's shared __index (luautil.Fielded)
	inline  bool               // the script VM runs this conn's event on its loop right now
	backlog                    // messages waiting for on_message, one at a time (batch.go)
	pc      *poolConn          // pool = true: the conn's messages on the worker pool
	mem     *memwatch.Watchdog // the memory cap, asked as c:send gathers; nil: none
}

// gatherAsk is the size of a callback's gathered writes from which their
// growth asks the memory cap.
const gatherAsk = 1 << 20

// OnEvent runs on the conn's loop goroutine.
func (h *luaServerH) OnEvent(c *SConn, ev Event) {
	if h.loopVM != nil {
		var data lua.LString
		if ev.Kind == EvMessage {
			data = lua.LString(ev.Data)
		}
		h.deliver(h.conn(c, h.loopVM, h.cb, true), ev, data, true)
		return
	}
	if h.handler != "" {
		h.inline(c, ev)
		return
	}
	var data lua.LString
	if ev.Kind == EvMessage {
		data = lua.LString(ev.Data)
	}
	v := h.v
	ch := v.Conns()
	// The script VM runs inline on this loop when no one else runs it and
	// this conn has nothing queued (as net.listen does): no hand-off to
	// the VM goroutine, and replies join the loop's write.
	if ch.Enter(c.Conn().Loop(), &c.queued) {
		// The VM's earlier runs for this conn are over; their AsyncWrites
		// are visible now. This callback's writes must follow them.
		if c.inCB && c.rc.OutboundBuffered() > 0 {
			c.behind = true
		}
		lc := h.conn(c, v, h.cb, false)
		lc.inline = true
		h.deliver(lc, ev, data, true)
		lc.inline = false
		ch.Leave()
		return
	}
	if !c.inInit {
		c.inInit = true
		c.in.Init(inflow.Of(v), c.Conn())
	}
	// Counted until delivered: may pause the conn's reads. Not for pool =
	// true conns, which pause at 64 messages waiting for a worker
	// (pool.go): two pausers of one conn would resume each other's pause.
	size, n := int64(len(data)), int64(1)
	if h.pool != nil {
		size, n = 0, 0
	}
	c.in.Add(size, n)
	c.queued.Add(1)
	ch.PostConn(func() {
		c.queued.Add(-1)
		lc := h.conn(c, v, h.cb, false)
		h.deliver(lc, ev, data, false)
		c.in.Add(-size, -n)
		if ev.Kind == EvClose {
			c.in.Forget()
		}
	})
}

// inline runs a loop VM's handler on the loop goroutine.
func (h *luaServerH) inline(c *SConn, ev Event) {
	lv := h.v.Conns().LoopVM(c.Conn().Loop())
	lc, _ := c.Value.(*luaConn)
	if lc == nil {
		cb, err := loadLoopHandler(lv, h.handler)
		if err != nil {
			lv.Logf("%v", err)
			c.Close(1011, "handler failed to load")
			return
		}
		lc = h.conn(c, lv, cb, true)
	}
	var data lua.LString
	if ev.Kind == EvMessage {
		data = lua.LString(ev.Data)
	}
	h.deliver(lc, ev, data, true)
}

// conn returns c's Lua conn on v, made on first use.
func (h *luaServerH) conn(c *SConn, v host.VM, cb serverCallbacks, onLoop bool) *luaConn {
	if lc, ok := c.Value.(*luaConn); ok {
		return lc
	}
	L := v.L()
	lc := &luaConn{c: c, v: v, cb: cb, onLoop: onLoop, mem: memwatch.Of(v.Shared)}
	if onLoop && !c.inInit {
		// a loop VM's conn: its backlog counts in the loop VM's account
		c.inInit = true
		c.in.Init(inflow.Of(v), c.Conn())
		lc.backlog.in = &c.in
	}
	lc.ud = L.NewUserData()
	lc.ud.Value = lc
	L.SetMetatable(lc.ud, L.GetTypeMetatable(connType))
	c.Value = lc
	return lc
}

// handlerDone ends a handler's run: an error is logged and fails the conn
// with 1011.
func (lc *luaConn) handlerDone(_ []lua.LValue, e *host.ScriptError) {
	if e != nil {
		e.Traceback = luautil.NameCallback(e.Traceback, "on_message")
		lc.v.LogError(e)
		lc.close(1011, "handler error")
	}
}

// The kinds on_message gets, boxed once.
var (
	kindText   lua.LValue = lua.LString("text")
	kindBinary lua.LValue = lua.LString("binary")
)

// deliver calls the handler for ev on lc's VM. After on_close, an EvClose's
// close frame is written: joining the loop callback's writes when onLoop
// (SConn.FinishOnLoop), else from the VM (SConn.Finish).
func (h *luaServerH) deliver(lc *luaConn, ev Event, data lua.LString, onLoop bool) {
	if h.pool != nil && ev.Kind != EvOpen && (lc.pc == nil || !lc.pc.closed) {
		h.poolEvent(lc, ev, data)
		return
	}
	v := lc.v
	switch ev.Kind {
	case EvOpen:
		if lc.cb.onOpen != nil {
			v.Call(lc.cb.onOpen, func(_ []lua.LValue, e *host.ScriptError) {
				if e != nil {
					e.Traceback = luautil.NameCallback(e.Traceback, "on_open")
					lc.v.LogError(e)
					lc.close(1011, "handler error")
				}
			}, lc.ud, requestTable(v.L(), lc.c))
		}
	case EvMessage:
		if lc.cb.onMessage != nil {
			kind := kindText
			if ev.Binary {
				kind = kindBinary
			}
			lc.queue(data, kind)
		}
	case EvClose:
		c := lc.c
		finish := func() { c.Finish(ev) } // made here: a closure per message would escape
		if onLoop {
			finish = func() { c.FinishOnLoop(ev) }
		}
		if lc.closeAfter(ev, finish) {
			return
		}
		lc.deliverClose(ev, finish)
	}
}

// deliverClose runs on_close, then finish (the close frame).
func (lc *luaConn) deliverClose(ev Event, finish func()) {
	v := lc.v
	if lc.cb.onClose != nil {
		v.Call(lc.cb.onClose, func(_ []lua.LValue, e *host.ScriptError) {
			if e != nil {
				e.Traceback = luautil.NameCallback(e.Traceback, "on_close")
				v.LogError(e)
			}
		}, lc.ud, lua.LNumber(ev.Code), lua.LString(ev.Reason))
	}
	finish()
}

// requestTable is on_open's req: path, headers (lower-case names), protocol.
func requestTable(L *lua.LState, c *SConn) *lua.LTable {
	t := L.NewTable()
	req := c.Req()
	headers := L.NewTable()
	t.RawSetString("path", lua.LString(c.sc.Path))
	if req != nil {
		t.RawSetString("method", lua.LString(req.Method))
		for _, f := range req.Fields {
			k := strings.ToLower(f.Name)
			if prev, ok := headers.RawGetString(k).(lua.LString); ok {
				headers.RawSetString(k, prev+", "+lua.LString(f.Value))
			} else {
				headers.RawSetString(k, lua.LString(f.Value))
			}
		}
	}
	t.RawSetString("headers", headers)
	t.RawSetString("protocol", lua.LString(c.Protocol()))
	t.RawSetString("remote", lua.LString(c.Remote()))
	return t
}

var connMethods = map[string]lua.LGFunction{
	"send":        func(L *lua.LState) int { return connSend(L, false) },
	"send_binary": func(L *lua.LState) int { return connSend(L, true) },
	"ping": func(L *lua.LState) int {
		lc := checkConn(L)
		if lc.onLoop || lc.inline {
			return result(L, lc.c.PingOnLoop([]byte(L.OptString(2, ""))))
		}
		return result(L, lc.c.Ping([]byte(L.OptString(2, ""))))
	},
	"close": func(L *lua.LState) int {
		lc := checkConn(L)
		code := L.OptInt(2, 1000)
		return result(L, lc.close(code, L.OptString(3, "")))
	},
}

// close starts the close handshake from lc's VM: on the conn's loop the
// frame joins the callback's writes, elsewhere it is queued.
func (lc *luaConn) close(code int, reason string) error {
	if lc.onLoop || lc.inline {
		return lc.c.CloseOnLoop(code, reason)
	}
	return lc.c.Close(code, reason)
}

func connSend(L *lua.LState, binary bool) int {
	lc := checkConn(L)
	s := L.CheckString(2)
	msg := unsafe.Slice(unsafe.StringData(s), len(s)) // read-only: the frame encoder copies it
	var err error
	if lc.onLoop || lc.inline {
		if c := lc.c; c.inCB && len(*c.out) >= gatherAsk && len(*c.out)+len(msg) > cap(*c.out) {
			// A huge reply built in pieces inside one callback: the
			// gathered writes are about to grow. Ask the memory cap for
			// the new buffer and the old (garbage until the next GC), then
			// double it (append's 1.25 steps add up to several times it).
			grown := 2 * (len(*c.out) + len(msg) + 14) // 14: a frame header
			lc.mem.Check(L, "c:send", int64(grown+cap(*c.out)))
			*c.out = slices.Grow(*c.out, grown-len(*c.out))
		}
		err = lc.c.SendOnLoop(msg, binary)
	} else {
		err = lc.c.Send(msg, binary)
	}
	if err == nil && lc.c.Conn().OutboundBuffered() >= highWater {
		// Queued all the same, as net's c:send does: a hint to slow down.
		L.Push(lua.LFalse)
		L.Push(lua.LString("backpressure"))
		return 2
	}
	return result(L, err)
}

// highWater is where c:send starts answering false, "backpressure" (the
// reactor's default high water mark).
const highWater = 64 << 10

// result returns true, or nil and the error's text.
func result(L *lua.LState, err error) int {
	if err != nil {
		return pushErr(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}

func checkConn(L *lua.LState) *luaConn {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if lc, ok := ud.Value.(*luaConn); ok {
			return lc
		}
	}
	L.ArgError(1, "ws conn expected")
	return nil
}

func openConnType(L *lua.LState) {
	mt := L.NewTypeMetatable(connType)
	methods := L.SetFuncs(L.NewTable(), connMethods)
	luautil.SetPromotingIndex(L, mt, "ws conn", methods)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		lc := checkConn(L)
		L.Push(lua.LString("ws conn " + lc.c.Remote()))
		return 1
	}))
}

// Field answers c.id, c.remote, c.local_addr, c.path, c.protocol and
// c.data (luautil.Fielded: the conn type's __index).
func (lc *luaConn) Field(L *lua.LState, key string) (lua.LValue, bool, bool) {
	switch key {
	case "id":
		return lua.LNumber(lc.c.ID()), true, true
	case "remote":
		return lua.LString(lc.c.Remote()), true, true
	case "local_addr":
		return lua.LString(lc.c.Local()), true, true
	case "path":
		return lua.LString(lc.c.sc.Path), true, true
	case "protocol":
		return lua.LString(lc.c.Protocol()), true, true
	case "data":
		if lc.data == nil {
			lc.data = L.NewTable() // made on first use: most conns never need one
		}
		return lc.data, true, true
	}
	return nil, false, false
}

// Lookup counts a lookup through the type's shared __index.
func (lc *luaConn) Lookup() int { lc.lookups++; return lc.lookups }

// luaServer is a ws server as Lua sees it; script VM only.
type luaServer struct {
	v      host.VM
	srv    *Server
	held   func()
	closed bool
}

func (s *luaServer) value(L *lua.LState) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = s
	L.SetMetatable(ud, L.GetTypeMetatable(serverType))
	return ud
}

func checkServer(L *lua.LState) *luaServer {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if s, ok := ud.Value.(*luaServer); ok {
			return s
		}
	}
	L.ArgError(1, "ws server expected")
	return nil
}

var serverMethods = map[string]lua.LGFunction{
	"broadcast": func(L *lua.LState) int {
		s := checkServer(L)
		L.Push(lua.LNumber(s.srv.Broadcast([]byte(L.CheckString(2)), L.OptBool(3, false))))
		return 1
	},
	"conns": func(L *lua.LState) int {
		L.Push(lua.LNumber(len(checkServer(L).srv.Conns())))
		return 1
	},
	"close": func(L *lua.LState) int {
		s := checkServer(L)
		if s.closed {
			return 0
		}
		s.closed = true
		grace := luautil.Seconds(float64(L.OptNumber(2, 5)))
		srv, held, v := s.srv, s.held, s.v
		// Closing waits for the loops; the script VM may be one of their
		// guests, so wait on another goroutine and release on the VM.
		go func() {
			ctx, cancel := stdctx.WithTimeout(stdctx.Background(), max(grace, time.Millisecond))
			defer cancel()
			srv.Close(ctx)
			v.Post(held)
		}()
		return 0
	},
}

func openServerType(L *lua.LState) {
	mt := L.NewTypeMetatable(serverType)
	methods := L.SetFuncs(L.NewTable(), serverMethods)
	L.SetField(mt, luautil.MethodsField, methods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		s := checkServer(L)
		switch key := L.CheckString(2); key {
		case "addr":
			L.Push(lua.LString(s.srv.Addr()))
		case "url":
			L.Push(lua.LString("ws://" + s.srv.Addr()))
		default:
			L.Push(luautil.MethodOf(L, methods, "ws server", key))
		}
		return 1
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("ws server ws://" + checkServer(L).srv.Addr()))
		return 1
	}))
}
