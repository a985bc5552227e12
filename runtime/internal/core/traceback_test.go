package core

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// TestHandlerTracebackNamesCallback: a failing handler's traceback names
// the callback (on_message, on_open, on_close), never the scheduler's
// local that called it, on both paths a message takes: one waiting message
// (called by the trampoline) and several (the dispatch loop).
func TestHandlerTracebackNamesCallback(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{})
	err := rt.RunString("tb.lua", `
local srv = net.listen('tcp://127.0.0.1:0', {codec = codec.line(),
  on_open = function(c) if c.id % 2 == 0 then c.data.odd = false end end,
  on_message = function(c, m)
    if m == 'slow' then sleep(0.05) return end
    error('boom ' .. m)
  end,
  on_close = function(c) error('bye') end})
local single = assert(net.connect('tcp://' .. srv.addr, {codec = codec.line()}))
single:send('one')
local queued = assert(net.connect('tcp://' .. srv.addr, {codec = codec.line()}))
queued:send('slow')
queued:send('two')
queued:send('three')
sleep(0.3)
single:close() queued:close() srv:close()
`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rt.Wait(ctx)
	luatest.WaitFor(t, "both handler errors and an on_close error logged", 5*time.Second, func() bool {
		e := errOut.String()
		return strings.Contains(e, "boom one") && strings.Contains(e, "boom two") && strings.Contains(e, "on_close: tb.lua")
	})
	e := errOut.String()
	if strings.Contains(e, "in function 'fn'") || strings.Contains(e, "in function 'callback'") {
		t.Errorf("a traceback names the scheduler's local:\n%s", e)
	}
	if n := strings.Count(e, "tb.lua:6: in function 'on_message'"); n < 2 {
		t.Errorf("want the on_message frame named in both tracebacks (trampoline and dispatch), got %d:\n%s", n, e)
	}
	if !strings.Contains(e, "tb.lua:8: in function 'on_close'") {
		t.Errorf("on_close's frame not named:\n%s", e)
	}
}
