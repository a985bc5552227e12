package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

func TestRunawayCallbackStoppedOthersServed(t *testing.T) {
	rt, out, errOut := newTestRuntime(t, Options{Budget: 100 * time.Millisecond})
	start := time.Now()
	err := rt.RunString("runaway.lua", `
timer.after(0.001, function()
  pcall(function() while true do end end)
end)
timer.after(0.002, function() print("second timer ran", pcall(function() return "pcall ok" end)) end)
`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("runaway stopped after %v, budget 100ms", el)
	}
	if !strings.Contains(out.String(), "second timer ran\ttrue\tpcall ok") {
		t.Errorf("second timer did not run; stdout %q", out)
	}
	e := errOut.String()
	if !strings.Contains(e, "runaway.lua:3:") || !strings.Contains(e, "budget") || !strings.Contains(e, "stack traceback:") {
		t.Errorf("runaway error not logged as file:line + traceback: %q", e)
	}
}

func TestEvalInterrupt(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		after time.Duration // cancel after this; 0: cancelled before Eval
	}{
		{name: "running loop", src: "while true do end", after: 50 * time.Millisecond},
		{name: "waiting sleep", src: "sleep(60)", after: 50 * time.Millisecond},
		{name: "cancelled before start", src: "while true do end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, _ := newTestRuntime(t, Options{})
			ctx, cancel := context.WithCancel(context.Background())
			if tc.after == 0 {
				cancel()
			} else {
				time.AfterFunc(tc.after, cancel)
			}
			err := rt.Eval(ctx, "stdin", tc.src, nil)
			var se *host.ScriptError
			if !errors.As(err, &se) || !strings.Contains(se.Msg, "interrupted") {
				t.Fatalf("Eval = %v, want interrupted", err)
			}
			// the VM still works afterwards
			var got string
			err = rt.Eval(context.Background(), "stdin", "return 1 + 1", func(L *lua.LState, vals []lua.LValue) {
				got = vals[0].String()
			})
			if err != nil || got != "2" {
				t.Fatalf("after interrupt: %v %q", err, got)
			}
		})
	}
}

func TestScriptErrorFormat(t *testing.T) {
	rt, _, _ := newTestRuntime(t, Options{})
	err := rt.RunString("boom.lua", "local function f()\n  error('boom')\nend\nf()")
	var se *host.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *host.ScriptError", err)
	}
	if se.Msg != "boom.lua:2: boom" {
		t.Errorf("Msg = %q", se.Msg)
	}
	if !strings.Contains(se.Traceback, "boom.lua:4: in main chunk") || !strings.Contains(se.Traceback, "boom.lua:2: in function 'f'") {
		t.Errorf("Traceback = %q", se.Traceback)
	}
	if strings.Contains(se.Traceback, luautil.HiddenChunk) {
		t.Errorf("traceback shows scheduler frames: %q", se.Traceback)
	}
}

func TestSandbox(t *testing.T) {
	tests := []struct {
		name   string
		unsafe bool
		expr   string
		want   string
	}{
		{name: "io withheld", expr: "select(2, pcall(function() return io.open('x') end))", want: "stdin:1: io.open is disabled in scripts; run with --unsafe to allow it"},
		{name: "os.execute withheld", expr: "select(2, pcall(function() return os.execute('true') end))", want: "stdin:1: os.execute is disabled in scripts; run with --unsafe to allow it"},
		{name: "os.getenv withheld", expr: "select(2, pcall(function() return os.getenv('HOME') end))", want: "stdin:1: os.getenv is disabled in scripts; run with --unsafe to allow it"},
		{name: "dofile withheld", expr: "select(2, pcall(function() return dofile('x') end))", want: "stdin:1: dofile is disabled in scripts; run with --unsafe to allow it"},
		{name: "debug withheld", expr: "select(2, pcall(function() return debug.getinfo(1) end))", want: "stdin:1: debug.getinfo is disabled in scripts; run with --unsafe to allow it"},
		{name: "io.lines withheld", expr: "select(2, pcall(io.lines))", want: "stdin:1: io.lines is disabled in scripts; run with --unsafe to allow it"},
		{name: "net.lisen named", expr: "select(2, pcall(function() return net.lisen end))", want: "stdin:1: net has no function 'lisen' (did you mean 'listen'?)"},
		{name: "sleep(-1) blames the caller", expr: "select(2, pcall(sleep, -1))", want: "stdin:1: bad argument #1 to sleep (seconds must be >= 0)"},
		{name: "sleep(-1) in a function", expr: "select(2, pcall(function()\n sleep(-1) end))", want: "stdin:2: bad argument #1 to sleep (seconds must be >= 0)"},
		{name: "net.connect in coroutine.wrap", expr: "select(2, coroutine.wrap(function() local ok, e = pcall(net.connect, 'tcp://127.0.0.1:1'); return ok, e end)())", want: "stdin:1: net.connect: cannot wait here (inside coroutine.create/wrap, or outside a netplay coroutine)"},
		{name: "os.time kept", expr: "type(os.time)", want: "function"},
		{name: "string kept", expr: "string.rep('a', 2)", want: "aa"},
		{name: "require net module", expr: "require('timer') == timer", want: "true"},
		{name: "unsafe io", unsafe: true, expr: "type(io)", want: "table"},
		{name: "unsafe os.execute", unsafe: true, expr: "type(os.execute)", want: "function"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, _ := newTestRuntime(t, Options{Unsafe: tc.unsafe})
			var got string
			err := rt.Eval(context.Background(), "stdin", "return "+tc.expr, func(L *lua.LState, vals []lua.LValue) {
				got = vals[0].String()
			})
			if err != nil || got != tc.want {
				t.Fatalf("%s = %q, %v; want %q", tc.expr, got, err, tc.want)
			}
		})
	}
}

// BenchmarkSpawn measures one handler call as a pooled coroutine with the
// budget armed: the per-message cost of the scheduler.
func BenchmarkSpawn(b *testing.B) {
	b.ReportAllocs()
	rt, err := newWith(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Stop(context.Background())
	rt.Do(func(L *lua.LState) {
		if err := L.DoString("function handler(x) return x end"); err != nil {
			b.Fatal(err)
		}
		fn := L.GetGlobal("handler").(*lua.LFunction)
		s := rt.script.s
		arg := []lua.LValue{lua.LNumber(1)}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.spawn(fn, arg, true, nil)
		}
	})
}

// An interrupted c:receive must not swallow the next message.
func TestInterruptedReceiveLosesNothing(t *testing.T) {
	rt, _, _ := newTestRuntime(t, Options{})
	if err := rt.RunString("setup.lua", `
srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end}))
c = assert(net.connect("tcp://" .. srv.addr, {codec = codec.line()}))`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if err := rt.Eval(ctx, "stdin", "return c:receive()", nil); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("receive not interrupted: %v", err)
	}
	var got string
	err := rt.Eval(context.Background(), "stdin", `c:send("after"); return c:receive(2)`, func(L *lua.LState, vals []lua.LValue) {
		got = vals[0].String()
	})
	if err != nil || got != "after" {
		t.Fatalf("next receive: %q, %v", got, err)
	}
}
