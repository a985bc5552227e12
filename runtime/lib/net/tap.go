package net

import (
	"os"
	"strings"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	"github.com/netplay-lab/netplay/runtime/internal/sandbox"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
	lua "github.com/yuin/gopher-lua"
)

// tapSet is the taps attached to one netHandler (a listener or a dialed
// conn): net.tap, the shell's :tap and trace = true. The zero value has
// none, and then the hooks cost one atomic load per read and per send.
type tapSet = tap.Set

// tapConn is what a conn's loop keeps for the tap (connState.tap).
type tapConn struct {
	leftover int          // bytes at the front of the read buffer the tap has already seen
	framer   codec.Framer // describes the frames read; loop goroutine
}

// seen reports the bytes a read added to buf (those past what the last
// OnTraffic left unconsumed) with the frames it completed, then records
// that n bytes were consumed. Loop goroutine.
func (tc *tapConn) seen(h *netHandler, c *reactor.Conn, buf []byte, n int, frames [][]byte) {
	if h.taps.Active() && len(buf) > tc.leftover {
		ev := connEvent(c, tap.In, buf[tc.leftover:])
		ev.Frame = describeFrames(tc.framer, frames)
		h.taps.Emit(ev)
	}
	tc.leftover = len(buf) - n
}

// tapWrote reports bytes c:send or c:write hands to the conn. VM goroutine.
func (w *writer) tapWrote(b []byte) {
	ev := connEvent(w.conn, tap.Out, b)
	if w.framer != nil {
		ev.Frame = codec.Describe(w.framer, b)
	}
	w.taps.Emit(ev)
}

// tapClosed marks the end of c for the taps (a FIN in a pcap file).
func (h *netHandler) tapClosed(c *reactor.Conn) {
	if !h.taps.Active() {
		return
	}
	h.taps.Closed(c)
	if h.dial == nil && h.traced(c.ID()) { // a shell's :trace of this conn ends with it
		h.setTrace(c.ID(), false)
	}
}

// describeFrames summarizes the frames of one read: the first three, then
// how many more.
func describeFrames(f codec.Framer, frames [][]byte) string {
	if f == nil || len(frames) == 0 {
		return ""
	}
	var parts []string
	for i, fr := range frames {
		if i == 3 {
			parts = append(parts, "+"+luautil.FmtNumber(float64(len(frames)-3))+" more")
			break
		}
		d := codec.Describe(f, fr)
		if d == "" {
			return ""
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, "; ")
}

func connEvent(c *reactor.Conn, d tap.Dir, b []byte) tap.Event { return tap.ConnEvent(c, d, b) }

// printer is a tap's text sink: the runtime's stdout, which the shell
// prints above its prompt.
type printer struct{ v host.VM }

func (p printer) Write(b []byte) (int, error) {
	p.v.Print(string(b))
	return len(b), nil
}

// initTrace turns trace = true into a tap that prints every conn's
// traffic: the same mechanism as net.tap (trace.go).
func (h *netHandler) initTrace() {
	if h.trace {
		h.setTrace(0, true)
	}
}

const tapType = "netplay.tap"

// tapOpts are net.tap's options (luautil.Options: unknown keys are errors).
var tapOpts = luautil.NewOptions("net.tap", "to:string", "conns:table", "hex:boolean")

// luaTap is a tap as Lua sees it (net.tap); VM goroutine only.
type luaTap struct {
	t    *tap.Tap
	set  *tapSet
	path string // the pcap file, or ""
}

// netTap is net.tap(srv_or_conn, {to, conns, hex}) -> tap | nil, err: a
// server or conn of net, or any tap.Source (http and ws servers and conns).
func netTap(v host.VM, L *lua.LState) int {
	var set *tapSet
	var conns []uint64
	switch x := L.CheckUserData(1).Value.(type) {
	case *luaServer:
		set = &x.h.taps
	case *luaConn:
		if x.st == nil || x.conn == nil {
			L.ArgError(1, "the conn is not open yet")
		}
		set = &x.st.h.taps
		conns = []uint64{x.conn.ID()}
	case tap.Source: // http and ws servers and conns
		s, id, err := x.TapSource()
		if err != nil {
			L.ArgError(1, err.Error())
		}
		set = s
		if id != 0 {
			conns = []uint64{id}
		}
	default:
		L.ArgError(1, "a server or conn of net, http or ws expected")
	}
	o := tapOpts.Table(L, 2)
	if ct, ok := o.RawGetString("conns").(*lua.LTable); ok && conns == nil {
		conns = []uint64{}
		ct.ForEach(func(_, id lua.LValue) {
			n, ok := id.(lua.LNumber)
			if !ok {
				L.ArgError(2, "option conns: a list of conn ids expected")
			}
			conns = append(conns, uint64(n))
		})
	}
	opts := tap.Options{Conns: conns, Hex: luautil.OptBool(L, o, "hex", false)}
	lt := &luaTap{set: set}
	if to := luautil.OptString(L, o, "to", ""); to != "" {
		path, err := resolvePath(v, to)
		if err != nil {
			return pushErr(L, err)
		}
		f, err := os.Create(path)
		if err != nil {
			return pushErr(L, err)
		}
		opts.Pcap, lt.path = f, path
	} else {
		opts.Text = printer{v}
	}
	if len(conns) == 0 && o.RawGetString("conns") != lua.LNil {
		opts.Conns = []uint64{0} // an empty list watches nothing: conn ids start at 1
	}
	t, err := tap.New(opts)
	if err != nil {
		if c, ok := opts.Pcap.(*os.File); ok {
			c.Close()
		}
		return pushErr(L, err)
	}
	lt.t = t
	set.Add(t)
	ud := L.NewUserData()
	ud.Value = lt
	L.SetMetatable(ud, L.GetTypeMetatable(tapType))
	L.Push(ud)
	return 1
}

// resolvePath confines a file a script writes to its folder unless
// --unsafe (the VM's Resolve when it has one).
func resolvePath(v host.VM, p string) (string, error) {
	if r, ok := v.(interface{ Resolve(string) (string, error) }); ok {
		return r.Resolve(p)
	}
	return sandbox.Root{Dir: v.Dir()}.Resolve(p)
}

func checkTap(L *lua.LState) *luaTap { return luautil.CheckUserData[*luaTap](L, 1, "tap") }

// openTapType registers the tap type's metatable in L.
func openTapType(L *lua.LState) {
	tm := L.NewTypeMetatable(tapType)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"stop": func(L *lua.LState) int {
			lt := checkTap(L)
			lt.set.Remove(lt.t)
			if err := lt.t.Stop(); err != nil {
				return pushErr(L, err)
			}
			L.Push(lua.LTrue)
			return 1
		},
		"events": func(L *lua.LState) int {
			L.Push(lua.LNumber(checkTap(L).t.Events()))
			return 1
		},
	})
	L.SetField(tm, "__index", methods)
	L.SetField(tm, luautil.MethodsField, methods)
	L.SetField(tm, "__tostring", L.NewFunction(func(L *lua.LState) int {
		lt := checkTap(L)
		s := "tap (" + luautil.FmtNumber(float64(lt.t.Events())) + " events"
		if lt.path != "" {
			s += " to " + lt.path
		}
		L.Push(lua.LString(s + ")"))
		return 1
	}))
}
