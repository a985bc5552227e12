package net

import (
	gonet "net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
type tapSet struct {
	mu   sync.Mutex // serializes add and remove
	list atomic.Pointer[[]*tap.Tap]
}

func (s *tapSet) active() bool { return s.list.Load() != nil }

func (s *tapSet) add(t *tap.Tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l []*tap.Tap
	if old := s.list.Load(); old != nil {
		l = append(l, *old...)
	}
	l = append(l, t)
	s.list.Store(&l)
}

func (s *tapSet) remove(t *tap.Tap) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.list.Load()
	if old == nil {
		return
	}
	var l []*tap.Tap
	for _, x := range *old {
		if x != t {
			l = append(l, x)
		}
	}
	if len(l) == 0 {
		s.list.Store(nil)
	} else {
		s.list.Store(&l)
	}
}

func (s *tapSet) emit(ev tap.Event) {
	if l := s.list.Load(); l != nil {
		for _, t := range *l {
			t.Emit(ev)
		}
	}
}

// tapConn is what a conn's loop keeps for the tap (connState.tap).
type tapConn struct {
	leftover int          // bytes at the front of the read buffer the tap has already seen
	framer   codec.Framer // describes the frames read; loop goroutine
}

// seen reports the bytes a read added to buf (those past what the last
// OnTraffic left unconsumed) with the frames it completed, then records
// that n bytes were consumed. Loop goroutine.
func (tc *tapConn) seen(h *netHandler, c *reactor.Conn, buf []byte, n int, frames [][]byte) {
	if h.taps.active() && len(buf) > tc.leftover {
		ev := connEvent(c, tap.In, buf[tc.leftover:])
		ev.Frame = describeFrames(tc.framer, frames)
		h.taps.emit(ev)
	}
	tc.leftover = len(buf) - n
}

// tapWrote reports bytes c:send or c:write hands to the conn. VM goroutine.
func (w *writer) tapWrote(b []byte) {
	ev := connEvent(w.conn, tap.Out, b)
	if w.framer != nil {
		ev.Frame = codec.Describe(w.framer, b)
	}
	w.taps.emit(ev)
}

// tapClosed marks the end of c for the taps (a FIN in a pcap file).
func (h *netHandler) tapClosed(c *reactor.Conn) {
	if l := h.taps.list.Load(); l != nil {
		ev := connEvent(c, tap.Out, nil)
		for _, t := range *l {
			t.ConnClosed(ev)
		}
		if h.dial == nil && h.traced(c.ID()) { // a shell's :trace of this conn ends with it
			h.setTrace(c.ID(), false)
		}
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

func connEvent(c *reactor.Conn, d tap.Dir, b []byte) tap.Event {
	ev := tap.Event{Time: time.Now(), Dir: d, ConnID: c.ID(), Data: b,
		Local: addrPort(c.LocalAddr()), Remote: addrPort(c.RemoteAddr())}
	switch n := c.Network(); {
	case strings.HasPrefix(n, "udp"):
		ev.Network = "udp"
	case strings.HasPrefix(n, "unix"):
		ev.Network = "unix"
	default:
		ev.Network = "tcp"
	}
	return ev
}

// addrPort is a's address and port, IPv4 shown as such (not ::ffff:…).
func addrPort(a gonet.Addr) netip.AddrPort {
	var ap netip.AddrPort
	switch x := a.(type) {
	case *gonet.TCPAddr:
		ap = x.AddrPort()
	case *gonet.UDPAddr:
		ap = x.AddrPort()
	default:
		return ap
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

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

// netTap is net.tap(srv_or_conn, {to, conns, hex}) -> tap | nil, err.
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
	default:
		L.ArgError(1, "server or conn expected")
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
	set.add(t)
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
			lt.set.remove(lt.t)
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
