package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/runtime"
)

// tracer is a live server or conn whose traffic the trace = true hexdump
// prints (runtime.Tracer): what :trace turns on and off.
type tracer interface {
	Traced() bool
	SetTrace(on bool)
}

// traceCommand is :trace: the trace = true hexdump of a live server or
// conn, on and off by id, printed above the prompt like print().
var traceCommand = &command{name: "trace", args: "[ID on|off]",
	summary: "print the traffic of server sN or conn ID as trace = true does (hexdump); :trace alone lists what is traced",
	run:     (*shell).cmdTrace,
	complete: func(s *shell, arg string) []string {
		if id, _, ok := strings.Cut(arg, " "); ok && id != "" {
			return []string{id + " on", id + " off"}
		}
		return s.endIDs(arg)
	}}

// engineTracer returns the shell's way to a conn's tracer in rt.
func engineTracer(rt *runtime.Runtime) func(id uint64) (tracer, string, error) {
	return func(id uint64) (tracer, string, error) {
		t, ci, err := rt.ConnTracer(id)
		if err != nil {
			return nil, "", err
		}
		return t, fmt.Sprintf("conn %d (%s %s -> %s)", ci.ID, ci.Network, ci.Local, ci.Remote), nil
	}
}

// cmdTrace is :trace, :trace ID [on|off].
func (s *shell) cmdTrace(arg string) error {
	if arg == "" {
		return s.listTraces()
	}
	id, state, _ := strings.Cut(arg, " ")
	on := true
	switch strings.TrimSpace(state) {
	case "", "on":
	case "off":
		on = false
	default:
		return fmt.Errorf("usage: :trace [ID on|off] (ID: sN from :servers or a conn from :conns)")
	}
	word := map[bool]string{true: "on", false: "off"}[on]
	if n, err := strconv.ParseUint(id, 10, 64); err == nil {
		if s.be.connTracer == nil {
			return fmt.Errorf("not available: the runtime has no engine")
		}
		t, desc, err := s.be.connTracer(n)
		if err != nil {
			return fmt.Errorf("%v (see :conns)", err)
		}
		t.SetTrace(on)
		fmt.Fprintf(s.out, "trace %s for %s\n", word, desc)
		return nil
	}
	if !strings.HasPrefix(id, "s") {
		return fmt.Errorf("give sN (a server from :servers) or a conn id (from :conns), then on or off")
	}
	var msg string
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) {
		var hs []liveHandle
		if hs, err = liveServers(L); err != nil {
			return
		}
		for _, h := range hs {
			if h.id != id {
				continue
			}
			t, ok := serverTracer(h.val)
			if !ok {
				err = fmt.Errorf("%s cannot be traced", id)
				return
			}
			t.SetTrace(on)
			msg = "trace " + word + " for " + h.desc
			return
		}
		err = fmt.Errorf("no open server %s (see :servers)", id)
	}); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, msg)
	return nil
}

// serverTracer is the tracer behind a server value of net.servers().
func serverTracer(v lua.LValue) (tracer, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	t, ok := ud.Value.(tracer)
	return t, ok
}

// listTraces prints the servers and conns traced now: by :trace or by
// trace = true.
func (s *shell) listTraces() error {
	var rows []liveHandle
	var err error
	if derr := s.be.ev.Do(func(L *lua.LState) {
		var hs []liveHandle
		if hs, err = liveServers(L); err != nil {
			return
		}
		for _, h := range hs {
			if t, ok := serverTracer(h.val); ok && t.Traced() {
				rows = append(rows, h)
			}
		}
	}); derr != nil {
		return derr
	}
	if err != nil {
		return err
	}
	if s.be.conns != nil && s.be.connTracer != nil {
		conns := s.be.conns()
		sort.Slice(conns, func(i, j int) bool { return conns[i].ID < conns[j].ID })
		for _, r := range conns {
			if t, desc, err := s.be.connTracer(r.ID); err == nil && t.Traced() {
				rows = append(rows, liveHandle{id: strconv.FormatUint(r.ID, 10), desc: desc})
			}
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(s.out, "nothing traced (:trace ID on, or trace = true in net.listen/net.dial/net.connect)")
		return nil
	}
	writeHandles(s.out, "ID\tTRACED", rows)
	return nil
}
