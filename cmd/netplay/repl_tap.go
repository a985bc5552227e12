package main

import (
	"fmt"
	"strconv"

	"github.com/netplay-lab/netplay/runtime/lib/tap"
	lua "github.com/yuin/gopher-lua"
)

// tapCommand is :tap: watch the traffic of the shell's servers with
// net.tap, printed above the prompt like print() (docs/tap.md).
var tapCommand = &command{name: "tap", args: "[sN|hN|wN|CONN|off]",
	summary: "show every chunk in and out of the open servers (sN: one net server, hN/wN: one http/ws server, CONN: one conn id); :tap off stops",
	run:     (*shell).cmdTap,
	complete: func(s *shell, arg string) []string {
		ids := append([]string{"off"}, s.handleIDs(arg)...)
		s.be.ev.Do(func(L *lua.LState) {
			for _, t := range tap.TrackedSources(L) {
				ids = append(ids, t.ID)
			}
		})
		return ids
	}}

// shellTapsKey is where the shell keeps its taps, in the Lua registry.
const shellTapsKey = "netplay.shell.taps"

// cmdTap is :tap, :tap sN, :tap CONN and :tap off.
func (s *shell) cmdTap(arg string) error {
	var msg string
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) { msg, err = s.tap(L, arg) }); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, msg)
	return nil
}

// tap runs on the VM goroutine.
func (s *shell) tap(L *lua.LState, arg string) (string, error) {
	reg, _ := L.Get(lua.RegistryIndex).(*lua.LTable)
	taps, _ := reg.RawGetString(shellTapsKey).(*lua.LTable)
	if taps == nil {
		taps = L.NewTable()
		reg.RawSetString(shellTapsKey, taps)
	}
	if arg == "off" {
		n := taps.Len()
		for i := 1; i <= n; i++ {
			t := taps.RawGetInt(i)
			if err := L.CallByParam(lua.P{Fn: L.GetField(t, "stop"), NRet: 0, Protect: true}, t); err != nil {
				return "", err
			}
		}
		reg.RawSetString(shellTapsKey, L.NewTable())
		if n == 0 {
			return "no tap running", nil
		}
		return fmt.Sprintf("tap off (%d stopped)", n), nil
	}
	netMod, ok := L.GetGlobal("net").(*lua.LTable)
	if !ok {
		return "", fmt.Errorf("the net module is not loaded")
	}
	tapFn := netMod.RawGetString("tap")
	live, err := liveServers(L)
	if err != nil {
		return "", err
	}
	for _, t := range tap.TrackedSources(L) { // http and ws servers
		live = append(live, liveHandle{id: t.ID, val: t.Val, desc: describe(L, t.Val)})
	}
	var opts lua.LValue = lua.LNil
	var what string
	switch {
	case arg == "":
		what = "every server"
	case arg[0] >= 'a' && arg[0] <= 'z':
		var keep []liveHandle
		for _, h := range live {
			if h.id == arg {
				keep, what = []liveHandle{h}, h.desc
			}
		}
		if keep == nil {
			return "", fmt.Errorf("no open server %s (sN from :servers, hN/wN an http/ws server in the order they started)", arg)
		}
		live = keep
	default:
		id, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			return "", fmt.Errorf("give sN (a server from :servers), hN or wN (an http or ws server), a conn id (from :conns) or off")
		}
		o := L.NewTable()
		o.RawSetString("conns", L.NewTable())
		o.RawGetString("conns").(*lua.LTable).Append(lua.LNumber(id))
		opts, what = o, "conn "+arg
	}
	if len(live) == 0 {
		return "", fmt.Errorf("no open server to tap")
	}
	for _, h := range live {
		if err := L.CallByParam(lua.P{Fn: tapFn, NRet: 2, Protect: true}, h.val, opts); err != nil {
			return "", err
		}
		t, e := L.Get(-2), L.Get(-1)
		L.Pop(2)
		if t == lua.LNil {
			return "", fmt.Errorf("%s", lua.LVAsString(e))
		}
		taps.Append(t)
	}
	return "tapping " + what + " (:tap off to stop)", nil
}
