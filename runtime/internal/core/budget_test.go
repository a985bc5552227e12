package core

import (
	"context"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkCallbackBudget compares ways of bounding a handler call: the
// shared budget context (what netplay does), a context.WithTimeout set per
// call (the obvious design), and no context at all (no protection). The
// handler runs a 100-iteration loop, so both the per-call and the
// per-instruction costs show.
func BenchmarkCallbackBudget(b *testing.B) {
	const handler = "function handler(x) local s = 0 for i = 1, 100 do s = s + i end return s end"
	run := func(b *testing.B, setup func(s *sched, co *coro) func()) {
		b.ReportAllocs()
		rt, err := newWith(Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Stop(context.Background())
		rt.Do(func(L *lua.LState) {
			if err := L.DoString(handler); err != nil {
				b.Fatal(err)
			}
			fn := L.GetGlobal("handler").(*lua.LFunction)
			s := rt.script.s
			co := s.get()
			s.free = append(s.free, co) // one thread, reused every call
			arg := []lua.LValue{lua.LNumber(1)}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				done := setup(s, co)
				s.spawn(fn, arg, true, nil)
				done()
			}
		})
	}
	b.Run("shared-budget", func(b *testing.B) {
		run(b, func(*sched, *coro) func() { return func() {} })
	})
	b.Run("with-timeout-per-call", func(b *testing.B) {
		run(b, func(s *sched, co *coro) func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			co.th.SetContext(ctx)
			return cancel
		})
	})
	b.Run("no-context", func(b *testing.B) {
		run(b, func(s *sched, co *coro) func() {
			co.th.RemoveContext()
			return func() {}
		})
	})
}
