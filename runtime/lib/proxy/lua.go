package proxy

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

// This file is the Lua binding: net.proxy(listen_url, upstream_url, opts)
// and the proxy object it returns. The net module installs it with
// Install and lists Docs among its functions.

const proxyType = "netplay.proxy"

// DocMD documents net.proxy and the proxy object: "## name" sections in
// host.ParseDoc's format, which the net module appends to its own doc.md.
//
//go:embed doc.md
var DocMD string

// luaProxy is a proxy as Lua sees it; VM goroutine only.
type luaProxy struct {
	v      host.VM
	p      *Proxy
	held   func()
	closed bool
}

// Install adds net.proxy to mod, the net module's table, and registers
// the proxy type in v.
func Install(v host.VM, mod *lua.LTable) {
	L := v.L()
	mt := L.NewTypeMetatable(proxyType)
	methods := L.SetFuncs(L.NewTable(), proxyMethods)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		lp := checkProxy(L)
		switch key := L.CheckString(2); key {
		case "addr":
			L.Push(lua.LString(lp.p.Addr().String()))
		case "url":
			L.Push(lua.LString(lp.p.URL()))
		case "upstream":
			L.Push(lua.LString(lp.p.Upstream()))
		default:
			L.Push(luautil.MethodOf(L, methods, "proxy", key))
		}
		return 1
	}))
	L.SetField(mt, luautil.MethodsField, methods)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		lp := checkProxy(L)
		state := fmt.Sprintf("%d conns", lp.p.Stats().Conns)
		if lp.closed {
			state = "closed"
		}
		L.Push(lua.LString(fmt.Sprintf("proxy %s -> %s (%s)", lp.p.URL(), lp.p.Upstream(), state)))
		return 1
	}))
	mod.RawSetString("proxy", L.NewFunction(func(L *lua.LState) int { return netProxy(v, L) }))
}

func checkProxy(L *lua.LState) *luaProxy {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if lp, ok := ud.Value.(*luaProxy); ok {
			return lp
		}
	}
	L.ArgError(1, "proxy expected")
	return nil
}

// faultSpec is every fault as a luautil.Options key: a number (or a
// table, or a word) sets it, false clears it.
var faultSpec = []string{"latency:number|false", "jitter:number|false", "slow_close:number|false",
	"timeout:number|false", "reset_peer:number|false", "bandwidth:number|false", "limit_data:number|false",
	"loss:number|false", "duplicate:number|false", "reorder:number|false", "toxicity:number|false",
	"down:boolean", "stream:string|false", "slicer:table|false"}

// The option tables that take faults (luautil.Options: a typo is an error
// naming the closest key). net.proxy's own options are not faults.
var (
	proxyOpts   = luautil.NewOptions("net.proxy", append([]string{"seed:number", "max_buffer:integer", "on_open:function", "on_close:function"}, faultSpec...)...)
	setOpts     = luautil.NewOptions("p:set", faultSpec...)
	setConnOpts = luautil.NewOptions("p:set_conn", faultSpec...)
	onOpenOpts  = luautil.NewOptions("proxy on_open", faultSpec...)
	slicerOpts  = luautil.NewOptions("slicer", "average_size:number", "size_variation:number", "delay:number")
	proxyOwn    = map[string]bool{"seed": true, "max_buffer": true, "on_open": true, "on_close": true}
)

func netProxy(v host.VM, L *lua.LState) int {
	listen, upstream := L.CheckString(1), L.CheckString(2)
	o := luautil.OptTable(L, 3)
	var f Faults
	if err := setFaults(&f, o, proxyOpts, proxyOwn); err != nil {
		L.RaiseError("%v", err)
	}
	if err := f.Validate(strings.HasPrefix(listen, "udp")); err != nil {
		L.RaiseError("net.proxy: %v", err) // a bad fault is a bug in the script, not a network failure
	}
	cfg := Config{Faults: f, MaxBuffer: luautil.OptInt(L, o, "max_buffer", 0)}
	if seed := luautil.OptNum(L, o, "seed", 0); seed != 0 {
		cfg.Seed = uint64(seed)
	}
	if fn, ok := o.RawGetString("on_open").(*lua.LFunction); ok {
		cfg.OnOpenAsync = func(ci ConnInfo, done func(*Faults)) {
			v.Post(func() { callOnOpen(v, fn, ci, done) })
		}
	} else if o.RawGetString("on_open") != lua.LNil {
		L.RaiseError("net.proxy: option on_open: function expected")
	}
	if fn, ok := o.RawGetString("on_close").(*lua.LFunction); ok {
		cfg.OnClose = func(ci ConnInfo, err error) {
			v.Post(func() {
				reason := lua.LValue(lua.LNil)
				if err != nil {
					reason = lua.LString(err.Error())
				}
				v.Call(fn, nil, connTable(v.L(), ci), reason)
			})
		}
	} else if o.RawGetString("on_close") != lua.LNil {
		L.RaiseError("net.proxy: option on_close: function expected")
	}
	eng, err := v.Engine()
	if err != nil {
		return pushErr(L, err)
	}
	p, err := New(eng, listen, upstream, cfg)
	if err != nil {
		return pushErr(L, err)
	}
	lp := &luaProxy{v: v, p: p, held: v.Hold()}
	ud := L.NewUserData()
	ud.Value = lp
	L.SetMetatable(ud, L.GetTypeMetatable(proxyType))
	L.Push(ud)
	return 1
}

// callOnOpen runs on_open(pc) on the VM and hands its result to done: a
// table of faults, or nil for the proxy-wide ones. An error in on_open (or
// a bad result) is logged and the proxy-wide faults apply.
func callOnOpen(v host.VM, fn *lua.LFunction, ci ConnInfo, done func(*Faults)) {
	v.Call(fn, func(rets []lua.LValue, serr *host.ScriptError) {
		if serr != nil {
			v.LogError(serr)
			done(nil)
			return
		}
		if len(rets) == 0 || rets[0] == lua.LNil {
			done(nil)
			return
		}
		t, ok := rets[0].(*lua.LTable)
		if !ok {
			v.Logf("proxy on_open: returned a %s, want a table of faults or nil", rets[0].Type())
			done(nil)
			return
		}
		var f Faults
		if err := setFaults(&f, t, onOpenOpts, nil); err != nil {
			v.Logf("%v", err)
			done(nil)
			return
		}
		done(&f)
	}, connTable(v.L(), ci))
}

func pushErr(L *lua.LState, err error) int {
	L.Push(lua.LNil)
	L.Push(lua.LString(err.Error()))
	return 2
}

var proxyMethods = map[string]lua.LGFunction{
	"set": func(L *lua.LState) int {
		lp := checkProxy(L)
		f := lp.p.Faults()
		if err := setFaults(&f, L.CheckTable(2), setOpts, nil); err != nil {
			L.RaiseError("%v", err)
		}
		if err := lp.p.Set(f); err != nil {
			L.RaiseError("p:set: %v", err)
		}
		L.Push(L.Get(1))
		return 1
	},
	"clear": func(L *lua.LState) int {
		checkProxy(L).p.Set(Faults{})
		return 0
	},
	"faults": func(L *lua.LState) int {
		f := checkProxy(L).p.Faults()
		L.Push(faultsTable(L, &f))
		return 1
	},
	"set_conn": func(L *lua.LState) int {
		lp := checkProxy(L)
		id := uint64(L.CheckNumber(2))
		var own *Faults
		if t, ok := L.Get(3).(*lua.LTable); ok {
			own = &Faults{}
			if err := setFaults(own, t, setConnOpts, nil); err != nil {
				L.RaiseError("%v", err)
			}
		} else if L.Get(3) != lua.LNil {
			L.ArgError(3, "faults table or nil expected")
		}
		if err := lp.p.SetConn(id, own); err != nil {
			return pushErr(L, err)
		}
		L.Push(lua.LTrue)
		return 1
	},
	"cut": func(L *lua.LState) int {
		L.Push(lua.LNumber(checkProxy(L).p.Cut()))
		return 1
	},
	"conns": func(L *lua.LState) int {
		cs := checkProxy(L).p.Conns()
		t := L.CreateTable(len(cs), 0)
		for i, ci := range cs {
			t.RawSetInt(i+1, connTable(L, ci))
		}
		L.Push(t)
		return 1
	},
	"stats": func(L *lua.LState) int {
		L.Push(statsTable(L, checkProxy(L).p.Stats()))
		return 1
	},
	"close": func(L *lua.LState) int {
		lp := checkProxy(L)
		if lp.closed {
			return 0
		}
		lp.closed = true
		p, v, held := lp.p, lp.v, lp.held
		go func() { // Close waits for the loops: never on the VM goroutine, which may be a loop's
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			p.Close(ctx)
			v.Post(held)
		}()
		return 0
	},
}

// connTable is a ConnInfo for Lua.
func connTable(L *lua.LState, ci ConnInfo) *lua.LTable {
	t := L.NewTable()
	t.RawSetString("id", lua.LNumber(ci.ID))
	if ci.Client != nil {
		t.RawSetString("client", lua.LString(ci.Client.String()))
	}
	if ci.Upstream != nil {
		t.RawSetString("upstream", lua.LString(ci.Upstream.String()))
	}
	t.RawSetString("bytes_up", lua.LNumber(ci.BytesUp))
	t.RawSetString("bytes_down", lua.LNumber(ci.BytesDown))
	t.RawSetString("buffered", lua.LNumber(ci.Buffered))
	t.RawSetString("affected", lua.LBool(ci.Affected))
	t.RawSetString("own", lua.LBool(ci.Own))
	t.RawSetString("faults", lua.LString(ci.Faults))
	return t
}

// statsTable is Stats for Lua.
func statsTable(L *lua.LState, s Stats) *lua.LTable {
	t := L.NewTable()
	for k, n := range map[string]float64{
		"conns": float64(s.Conns), "opened": float64(s.Opened), "dial_errors": float64(s.DialErrors),
		"bytes_up": float64(s.BytesUp), "bytes_down": float64(s.BytesDown), "affected": float64(s.Affected),
		"buffered": float64(s.Buffered), "max_buffered": float64(s.MaxBuffered),
	} {
		t.RawSetString(k, lua.LNumber(n))
	}
	fs := s.Faults
	ft := L.NewTable()
	for k, n := range map[string]uint64{
		"delayed": fs.Delayed, "paced": fs.Paced, "sliced": fs.Sliced, "dropped": fs.Dropped,
		"timed_out": fs.TimedOut, "reset": fs.Reset, "limited": fs.Limited, "slow_closed": fs.SlowClosed,
		"cut": fs.Cut, "refused": fs.Refused, "lost": fs.Lost, "duplicated": fs.Duplicated, "reordered": fs.Reordered,
	} {
		ft.RawSetString(k, lua.LNumber(n))
	}
	t.RawSetString("faults", ft)
	return t
}

// faultsTable is Faults for Lua: only the faults that are set.
func faultsTable(L *lua.LState, f *Faults) *lua.LTable {
	t := L.NewTable()
	secs := func(k string, d time.Duration) {
		if d > 0 {
			t.RawSetString(k, lua.LNumber(d.Seconds()))
		}
	}
	secs("latency", f.Latency)
	secs("jitter", f.Jitter)
	secs("slow_close", f.SlowClose)
	if f.Timeout != nil {
		t.RawSetString("timeout", lua.LNumber(f.Timeout.Seconds()))
	}
	if f.ResetPeer != nil {
		t.RawSetString("reset_peer", lua.LNumber(f.ResetPeer.Seconds()))
	}
	if s := f.Slicer; s != nil {
		st := L.NewTable()
		st.RawSetString("average_size", lua.LNumber(s.AverageSize))
		st.RawSetString("size_variation", lua.LNumber(s.SizeVariation))
		st.RawSetString("delay", lua.LNumber(s.Delay.Seconds()))
		t.RawSetString("slicer", st)
	}
	for k, n := range map[string]float64{"bandwidth": float64(f.Bandwidth), "limit_data": float64(f.LimitData),
		"loss": f.Loss, "duplicate": f.Duplicate, "reorder": f.Reorder} {
		if n > 0 {
			t.RawSetString(k, lua.LNumber(n))
		}
	}
	if f.Down {
		t.RawSetString("down", lua.LTrue)
	}
	if f.Stream != Both {
		t.RawSetString("stream", lua.LString(f.Stream.String()))
	}
	if f.Toxicity != 0 && f.Toxicity != 1 {
		t.RawSetString("toxicity", lua.LNumber(max(f.Toxicity, 0)))
	}
	return t
}

// setFaults changes f by the fault keys of t: a number or table sets a
// fault, false clears it. t is first checked against opts, so a typo is an
// error naming the closest key (it must not pass as "no fault"); keys in
// own are opts' keys that are not faults. Errors start with opts' function.
func setFaults(f *Faults, t *lua.LTable, opts *luautil.Options, own map[string]bool) error {
	if err := opts.Err(t); err != nil {
		return err
	}
	var err error
	t.ForEach(func(k, v lua.LValue) {
		if ks, ok := k.(lua.LString); ok && err == nil && !own[string(ks)] {
			if e := setFault(f, string(ks), v); e != nil {
				err = fmt.Errorf("%s: %v", opts.Func(), e)
			}
		}
	})
	return err
}

// setFault sets one fault from a Lua value; false (or nil) clears it.
func setFault(f *Faults, k string, v lua.LValue) error {
	clear := v == lua.LFalse || v == lua.LNil
	num := func() (float64, error) {
		n, ok := v.(lua.LNumber)
		if !ok || math.IsNaN(float64(n)) {
			return 0, fmt.Errorf("%s: number expected, got %s", k, v.Type())
		}
		return float64(n), nil
	}
	dur := func(dst *time.Duration) error {
		if clear {
			*dst = 0
			return nil
		}
		n, err := num()
		*dst = luautil.Seconds(n)
		return err
	}
	optDur := func(dst **time.Duration) error {
		if clear {
			*dst = nil
			return nil
		}
		n, err := num()
		*dst = Dur(luautil.Seconds(n))
		return err
	}
	prob := func(dst *float64) error {
		if clear {
			*dst = 0
			return nil
		}
		n, err := num()
		*dst = n
		return err
	}
	switch k {
	case "latency":
		return dur(&f.Latency)
	case "jitter":
		return dur(&f.Jitter)
	case "slow_close":
		return dur(&f.SlowClose)
	case "timeout":
		return optDur(&f.Timeout)
	case "reset_peer":
		return optDur(&f.ResetPeer)
	case "bandwidth", "limit_data":
		var n float64
		if !clear {
			var err error
			if n, err = num(); err != nil {
				return err
			}
		}
		if k == "bandwidth" {
			f.Bandwidth = int(n)
		} else {
			f.LimitData = int64(n)
		}
	case "loss":
		return prob(&f.Loss)
	case "duplicate":
		return prob(&f.Duplicate)
	case "reorder":
		return prob(&f.Reorder)
	case "toxicity":
		if err := prob(&f.Toxicity); err != nil {
			return err
		}
		if !clear && f.Toxicity == 0 {
			f.Toxicity = -1 // toxicity = 0 in Lua: no conn
		}
	case "down":
		b, ok := v.(lua.LBool)
		if !ok && !clear {
			return fmt.Errorf("down: boolean expected, got %s", v.Type())
		}
		f.Down = bool(b)
	case "stream":
		if clear {
			f.Stream = Both
			return nil
		}
		s, ok := v.(lua.LString)
		if !ok {
			return fmt.Errorf("stream: \"upstream\", \"downstream\" or \"both\" expected, got %s", v.Type())
		}
		st, err := ParseStream(string(s))
		f.Stream = st
		return err
	case "slicer":
		return setSlicer(f, v, clear)
	default:
		return fmt.Errorf("unknown fault %q (want one of %s)", k, faultNames())
	}
	return nil
}

func setSlicer(f *Faults, v lua.LValue, clear bool) error {
	if clear {
		f.Slicer = nil
		return nil
	}
	t, ok := v.(*lua.LTable)
	if !ok {
		return fmt.Errorf("slicer: table {average_size, size_variation, delay} expected, got %s", v.Type())
	}
	if err := slicerOpts.Err(t); err != nil {
		return err
	}
	s := &Slicer{}
	for k, dst := range map[string]*int{"average_size": &s.AverageSize, "size_variation": &s.SizeVariation} {
		switch n := t.RawGetString(k).(type) {
		case lua.LNumber:
			*dst = int(n)
		case *lua.LNilType:
		default:
			return fmt.Errorf("slicer.%s: number expected, got %s", k, n.Type())
		}
	}
	switch n := t.RawGetString("delay").(type) {
	case lua.LNumber:
		s.Delay = luautil.Seconds(float64(n))
	case *lua.LNilType:
	default:
		return fmt.Errorf("slicer.delay: seconds expected, got %s", n.Type())
	}
	f.Slicer = s
	return nil
}

func faultNames() string {
	names := []string{"latency", "jitter", "bandwidth", "slicer", "timeout", "reset_peer", "limit_data",
		"slow_close", "down", "stream", "toxicity", "loss", "duplicate", "reorder"}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
