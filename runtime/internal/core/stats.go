package core

import (
	lua "github.com/yuin/gopher-lua"
)

// stats implements Lua stats(): engine counters (once the engine runs),
// messages, this VM's coroutines and timers, and the pool's counters.
func (v *vm) stats(L *lua.LState) int {
	t := L.NewTable()
	rt := v.rt
	if s := v.s; s != nil {
		t.RawSetString("coroutines", lua.LNumber(s.spawned.Load()))
		t.RawSetString("threads", lua.LNumber(s.threads.Load()))
		t.RawSetString("waiting", lua.LNumber(s.pending))
		t.RawSetString("timers", lua.LNumber(v.counters.Timers.Load()))
	}
	sc := &rt.script.counters
	in, out := sc.MsgsIn.Load(), sc.MsgsOut.Load()
	qb, qm, qp := sc.Queued.Load(), sc.QueuedMsgs.Load(), sc.QueuedPeak.Load()
	rt.lazy.mu.Lock()
	e, p := rt.lazy.engine, rt.lazy.pool
	for _, lv := range rt.lazy.loopVMs {
		lc := &lv.counters
		in, out = in+lc.MsgsIn.Load(), out+lc.MsgsOut.Load()
		qb, qm, qp = qb+lc.Queued.Load(), qm+lc.QueuedMsgs.Load(), max(qp, lc.QueuedPeak.Load())
	}
	rt.lazy.mu.Unlock()
	t.RawSetString("messages_in", lua.LNumber(in))
	t.RawSetString("messages_out", lua.LNumber(out))
	// inbound bytes and frames waiting for handlers, all VMs; the peak is
	// the largest one VM's total has been (its bound: docs/runtime.md).
	t.RawSetString("queued_bytes", lua.LNumber(qb))
	t.RawSetString("queued_messages", lua.LNumber(qm))
	t.RawSetString("queued_bytes_peak", lua.LNumber(qp))
	loops := L.NewTable()
	if e != nil {
		es := e.Stats()
		for i, ls := range es.Loops {
			lt := L.NewTable()
			lt.RawSetString("index", lua.LNumber(ls.Index))
			lt.RawSetString("conns", lua.LNumber(ls.Conns))
			lt.RawSetString("bytes_in", lua.LNumber(ls.BytesIn))
			lt.RawSetString("bytes_out", lua.LNumber(ls.BytesOut))
			lt.RawSetString("accepted", lua.LNumber(ls.Accepted))
			loops.RawSetInt(i+1, lt)
		}
		t.RawSetString("conns", lua.LNumber(es.Conns))
		t.RawSetString("bytes_in", lua.LNumber(es.BytesIn))
		t.RawSetString("bytes_out", lua.LNumber(es.BytesOut))
		t.RawSetString("accepted", lua.LNumber(es.Accepted))
		t.RawSetString("rejected", lua.LNumber(es.Rejected))
	} else {
		t.RawSetString("conns", lua.LNumber(0))
	}
	t.RawSetString("loops", loops)
	if p != nil {
		t.RawSetString("pool", p.Stats().Table(L))
	}
	L.Push(t)
	return 1
}
