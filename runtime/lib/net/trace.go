package net

import (
	"sync"

	"github.com/netplay-lab/netplay/runtime/lib/tap"
)

// traces are the trace taps of one netHandler: key 0 traces every conn of
// it (trace = true, the shell's :trace sN, a dialed conn), any other key
// one conn of a server. The zero value traces nothing.
type traces struct {
	mu sync.Mutex
	on map[uint64]*tap.Tap
}

// setTrace turns the trace of key (0: the whole handler, else a conn id)
// on or off: a tap printing the traffic, as trace = true does. Safe for
// concurrent use.
func (h *netHandler) setTrace(key uint64, on bool) {
	h.traces.mu.Lock()
	defer h.traces.mu.Unlock()
	t := h.traces.on[key]
	if on == (t != nil) {
		return
	}
	if !on {
		h.taps.remove(t)
		t.Stop()
		delete(h.traces.on, key)
		return
	}
	o := tap.Options{Text: printer{h.v}}
	if key != 0 {
		o.Conns = []uint64{key}
	}
	t, _ = tap.New(o) // fails only writing a pcap header
	if h.traces.on == nil {
		h.traces.on = make(map[uint64]*tap.Tap)
	}
	h.traces.on[key] = t
	h.taps.add(t)
}

func (h *netHandler) traced(key uint64) bool {
	h.traces.mu.Lock()
	defer h.traces.mu.Unlock()
	return h.traces.on[key] != nil
}

// Traced reports whether the server's traffic is traced (trace = true or
// the shell's :trace sN). With SetTrace it is what the shell's :trace
// uses (runtime.Tracer). Safe for concurrent use.
func (s *luaServer) Traced() bool { return s.h.traced(0) }

// SetTrace turns the trace of every conn of the server on or off.
func (s *luaServer) SetTrace(on bool) { s.h.setTrace(0, on) }

// Traced reports whether the conn's traffic is traced: a dialed conn's
// own trace, or a server conn's (alone or with its whole server). The
// conn's connState is its reactor.Conn's Context, which is how the shell's
// :trace ID finds it (runtime.Tracer). Safe for concurrent use.
func (st *connState) Traced() bool {
	if st.h.dial != nil {
		return st.h.traced(0)
	}
	return st.h.traced(0) || st.h.traced(st.conn.ID())
}

// SetTrace turns the conn's trace on or off; a conn of a traced server
// stays traced while its server is.
func (st *connState) SetTrace(on bool) {
	if st.h.dial != nil {
		st.h.setTrace(0, on)
		return
	}
	st.h.setTrace(st.conn.ID(), on)
}
