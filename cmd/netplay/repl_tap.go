package main

import (
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// tapCommand is :tap: watch the traffic of the shell's servers with
// net.tap, printed above the prompt like print() (docs/tap.md).
var tapCommand = &command{name: "tap", args: "[sN|CONN|off]",
	summary: "show every chunk in and out of the servers started here (sN: one server, CONN: one conn id); :tap off stops",
	run:     (*shell).cmdTap,
	complete: func(s *shell, arg string) []string {
		return append([]string{"off"}, s.handleIDs(arg)...)
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
	hs, err := liveServers(L)
	if err != nil {
		return "", err
	}
	var live []lua.LValue
	for _, h := range hs {
		live = append(live, h.val)
	}
	var opts lua.LValue = lua.LNil
	var what string
	switch {
	case arg == "":
		what = "every server started here"
	case strings.HasPrefix(arg, "s"):
		live = nil
		for _, h := range hs {
			if h.id == arg {
				live, what = []lua.LValue{h.val}, h.desc
			}
		}
		if live == nil {
			return "", fmt.Errorf("no open server %s (see :servers)", arg)
		}
	default:
		id, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			return "", fmt.Errorf("give sN (a server from :servers), a conn id (from :conns) or off")
		}
		o := L.NewTable()
		o.RawSetString("conns", L.NewTable())
		o.RawGetString("conns").(*lua.LTable).Append(lua.LNumber(id))
		opts, what = o, "conn "+arg
	}
	if len(live) == 0 {
		return "", fmt.Errorf("no open server started in this shell to tap")
	}
	for _, srv := range live {
		if err := L.CallByParam(lua.P{Fn: tapFn, NRet: 2, Protect: true}, srv, opts); err != nil {
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
