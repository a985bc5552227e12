package core

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	lua "github.com/yuin/gopher-lua"
)

// startServer runs src (which must set the global ADDR) and returns ADDR.
func startServer(t *testing.T, rt *Runtime, src string) string {
	t.Helper()
	if err := rt.RunString("server.lua", src); err != nil {
		t.Fatalf("server chunk: %v", err)
	}
	var addr string
	rt.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
	return addr
}

// A runaway handler is stopped by its budget while other conns are served,
// also when the loop runs inside the script's own coroutines
// (coroutine.create and coroutine.wrap run on threads of their own).
func TestRunawayHandlerOtherConnServed(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Budget: 200 * time.Millisecond})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, msg)
    if msg == "spin" then
      while true do end
    elseif msg == "create" then
      coroutine.resume(coroutine.create(function() while true do end end))
    elseif msg == "wrap" then
      coroutine.wrap(function() while true do end end)()
    end
    c:send("echo " .. msg)
  end}))
ADDR = srv.addr`)
	for i, kind := range []string{"spin", "create", "wrap"} {
		bad, good := luatest.DialLine(t, addr), luatest.DialLine(t, addr)
		bad.Send(kind)
		start := time.Now()
		good.Send("hello") // queued behind the runaway handler on the script VM
		if got, err := good.Recv(3 * time.Second); err != nil || got != "echo hello" {
			t.Fatalf("%s: second conn: %q, %v", kind, got, err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("%s: second conn answered after %v (budget 200ms)", kind, el)
		}
		if got, err := bad.Recv(3 * time.Second); err == nil {
			t.Errorf("%s: runaway conn answered %q", kind, got)
		}
		luatest.WaitFor(t, "error log", 2*time.Second, func() bool { return strings.Count(errOut.String(), "budget") > i })
		good.Send("again")
		if got, _ := good.Recv(2 * time.Second); got != "echo again" {
			t.Errorf("%s: after the runaway: %q", kind, got)
		}
	}
	if e := errOut.String(); !strings.Contains(e, "server.lua:5:") || !strings.Contains(e, "stack traceback:") {
		t.Errorf("log lacks file:line or traceback: %q", e)
	}
}

// Messages decoded from one read run in one dispatch, but each gets the
// whole budget: five 150 ms handlers in a row under a 400 ms budget all run
// (one budget for the five would trip after 400-500 ms).
func TestBudgetPerMessageInOneRead(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Budget: 400 * time.Millisecond})
	rt.Do(func(L *lua.LState) {
		L.SetGlobal("wallclock", L.NewFunction(func(L *lua.LState) int {
			L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
			return 1
		}))
	})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, msg)
    local stop = wallclock() + 0.15
    while wallclock() < stop do end
    c:send("done " .. msg)
  end}))
ADDR = srv.addr`)
	c := luatest.DialLine(t, addr)
	if _, err := c.Conn.Write([]byte("1\n2\n3\n4\n5\n")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		got, err := c.Recv(3 * time.Second)
		if want := fmt.Sprintf("done %d", i); err != nil || got != want {
			t.Fatalf("reply %d: %q, %v, want %q (stderr %s)", i, got, err, want, errOut)
		}
	}
	if e := errOut.String(); e != "" {
		t.Errorf("errors logged: %s", e)
	}
}

// The script's own coroutines run with the VM's budget as their context:
// making them leaves nothing behind in the budget (a child context per
// coroutine would register a callback there that is never removed).
func TestScriptCoroutinesLeaveBudgetClean(t *testing.T) {
	rt, _, _ := newTestRuntime(t, Options{})
	if err := rt.RunString("co.lua", `
for i = 1, 1000 do
  local g = coroutine.wrap(function() coroutine.yield(1) end)
  assert(g() == 1)
  local co = coroutine.create(function(x) return x * 2 end)
  assert(select(2, coroutine.resume(co, i)) == i * 2)
  assert(pcall(function() end))
end`); err != nil {
		t.Fatal(err)
	}
	rt.Do(func(L *lua.LState) {
		b := rt.script.s.budget
		b.mu.Lock()
		n := len(b.after)
		b.mu.Unlock()
		if n != 0 {
			t.Errorf("%d callbacks registered with the budget after 2000 coroutines", n)
		}
	})
}

// A conn whose handler falls behind is paused past 1024 waiting messages and
// resumed below 512; with the dispatch loop taking them, every message is
// still answered, in order.
func TestBacklogPauseResumeInOrder(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, m)
    if m == "slow" then sleep(0.05) end
    c:send(m)
  end}))
ADDR = srv.addr`)
	c := luatest.DialLine(t, addr)
	const n = 20000
	go func() {
		var b strings.Builder
		b.WriteString("slow\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%d\n", i)
		}
		c.Conn.Write([]byte(b.String())) // 120 KB: more than one read, more than the backlog
	}()
	if got, err := c.Recv(5 * time.Second); err != nil || got != "slow" {
		t.Fatalf("first reply %q, %v", got, err)
	}
	for i := 0; i < n; i++ {
		got, err := c.Recv(5 * time.Second)
		if want := fmt.Sprint(i); err != nil || got != want {
			t.Fatalf("reply %d: %q, %v (stderr %s)", i, got, err, errOut)
		}
	}
}

// stats() counts the messages handed to handlers and sent, on the script
// VM and on every loop VM.
func TestStatsMessageCounts(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Loops: 2})
	addr := startServer(t, rt, `
local a = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end}))
local b = assert(net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "testdata/handlers/upper.lua"}))
ADDR, ADDR2 = a.addr, b.addr`)
	var addr2 string
	rt.Do(func(L *lua.LState) { addr2 = L.GetGlobal("ADDR2").String() })
	for _, a := range []string{addr, addr2, addr2} { // loop VM conns may land on both loops
		c := luatest.DialLine(t, a)
		for i := 0; i < 3; i++ {
			c.Send(fmt.Sprint("m", i))
			if _, err := c.Recv(2 * time.Second); err != nil {
				t.Fatalf("%s: %v (stderr %s)", a, err, errOut)
			}
		}
	}
	var in, out float64
	rt.Do(func(L *lua.LState) {
		if err := L.DoString(`local s = stats(); IN, OUT = s.messages_in, s.messages_out`); err != nil {
			t.Fatal(err)
		}
		in, out = float64(L.GetGlobal("IN").(lua.LNumber)), float64(L.GetGlobal("OUT").(lua.LNumber))
	})
	if in != 9 || out != 9 {
		t.Errorf("stats: messages_in %v, messages_out %v; want 9 and 9", in, out)
	}
}

func TestLoopVMs(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Loops: 2, Budget: 200 * time.Millisecond})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "testdata/handlers/upper.lua"}))
ADDR = srv.addr`)
	conns := make([]*luatest.LineConn, 4)
	for i := range conns {
		conns[i] = luatest.DialLine(t, addr)
	}
	for round := 0; round < 3; round++ {
		for i, c := range conns {
			msg := fmt.Sprintf("m%d", i)
			if round == 1 && i == 0 {
				msg = "nap"
			}
			c.Send(msg)
			got, err := c.Recv(2 * time.Second)
			if err != nil || !strings.HasPrefix(got, strings.ToUpper(msg)+" ") {
				t.Fatalf("conn %d round %d: %q, %v (stderr %s)", i, round, got, err, errOut)
			}
		}
	}
	// the loop VMs count separately: no loop VM saw all 12 messages
	var total float64
	rt.Do(func(L *lua.LState) {
		L.DoString(`TOTAL = shared.dict("loop_test"):get("messages")`)
		total = float64(L.GetGlobal("TOTAL").(lua.LNumber))
	})
	if total != 12 {
		t.Errorf("shared dict counted %v messages, want 12", total)
	}
	rt.lazy.mu.Lock()
	nvm := len(rt.lazy.loopVMs)
	rt.lazy.mu.Unlock()
	if nvm != 2 {
		t.Errorf("%d loop VMs, want 2 (one per loop)", nvm)
	}
	// a runaway handler on a loop VM is stopped too; its loop keeps serving
	conns[0].Send("spin")
	if _, err := conns[0].Recv(3 * time.Second); err == nil {
		t.Errorf("runaway conn still open")
	}
	conns[2].Send("after") // same loop as conns[0] with round robin over 2 loops
	if got, err := conns[2].Recv(2 * time.Second); err != nil || !strings.HasPrefix(got, "AFTER ") {
		t.Errorf("same-loop conn after runaway: %q, %v", got, err)
	}
}

func TestWaitLifetime(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		minWait time.Duration
	}{
		{name: "nothing pending", src: `local x = 1`},
		{name: "timer keeps alive", src: `timer.after(0.05, function() end)`, minWait: 40 * time.Millisecond},
		{name: "server closed later", src: `local s = net.listen("tcp://127.0.0.1:0", {}); timer.after(0.05, function() s:close() end)`, minWait: 40 * time.Millisecond},
		{name: "stopped timer", src: `timer.after(10, function() end):stop()`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, _, _ := newTestRuntime(t, Options{})
			start := time.Now()
			if err := rt.RunString("life.lua", tc.src); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := rt.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el < tc.minWait {
				t.Errorf("Wait returned after %v, want >= %v", el, tc.minWait)
			}
		})
	}
}

func TestLoopVMDialsOut(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Loops: 2})
	addr := startServer(t, rt, `
local upstream = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, m) c:send("upstream saw " .. m) end}))
shared.dict("relay_test"):set("upstream", upstream.addr)
local relay = assert(net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "testdata/handlers/relay.lua"}))
ADDR = relay.addr`)
	for i := 0; i < 4; i++ { // conns land on both loops; dialed conns may land on the other loop
		c := luatest.DialLine(t, addr)
		msg := fmt.Sprintf("hello %d", i)
		c.Send(msg)
		if got, err := c.Recv(3 * time.Second); err != nil || got != "upstream saw "+msg {
			t.Fatalf("relay %d: %q, %v (stderr %s)", i, got, err, errOut)
		}
	}
}

func TestTraceOption(t *testing.T) {
	rt, out, _ := newTestRuntime(t, Options{})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), trace = true,
  on_message = function(c, m) c:send(m) end}))
ADDR = srv.addr`)
	c := luatest.DialLine(t, addr)
	c.Send("hello")
	if got, err := c.Recv(2 * time.Second); err != nil || got != "hello" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	luatest.WaitFor(t, "trace lines", 2*time.Second, func() bool {
		o := out.String() // trace = true is a tap printing on the script's output
		return strings.Contains(o, `< conn 1 127.0.0.1:`) && strings.Contains(o, `> conn 1 127.0.0.1:`) && strings.Count(o, `6 B  "hello\n"`) == 2
	})
}

func TestRunawayCustomDecode(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Budget: 100 * time.Millisecond})
	addr := startServer(t, rt, `
local srv = assert(net.listen("tcp://127.0.0.1:0", {
  codec = codec.custom{decode = function(buf)
    if buf:peek(4) == "spin" then while true do end end
    local i = buf:find("\n")
    if i then local line = buf:take(i) return line:sub(1, -2) end
  end},
  on_message = function(c, m) c:write(m .. "\n") end}))
ADDR = srv.addr`)
	bad, good := luatest.DialLine(t, addr), luatest.DialLine(t, addr)
	bad.Send("spin")
	good.Send("fine")
	if got, err := good.Recv(3 * time.Second); err != nil || got != "fine" {
		t.Fatalf("other conn: %q, %v", got, err)
	}
	if _, err := bad.Recv(3 * time.Second); err == nil {
		t.Errorf("conn with the runaway decoder still open")
	}
	luatest.WaitFor(t, "log", 2*time.Second, func() bool { return strings.Contains(errOut.String(), "budget") })
}

// Events of one conn keep their order while the script VM is busy part of
// the time (a timer spinning on the VM goroutine): some reads then queue
// for the VM goroutine, later ones may find the VM free and run inline on
// a loop, and those must not overtake their conn's queued ones.
func TestScriptVMConnOrderWhileBusy(t *testing.T) {
	rt, _, errOut := newTestRuntime(t, Options{Loops: 2})
	addr := startServer(t, rt, `
timer.every(0.001, function()
  local stop = os.clock() + 0.0007
  while os.clock() < stop do end
end)
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, m) c:send(m) end}))
ADDR = srv.addr`)
	const conns, writes, lines = 8, 1000, 3
	errs := make(chan error, conns)
	for k := 0; k < conns; k++ {
		go func() { errs <- inOrderEchoes(addr, writes, lines) }()
	}
	for k := 0; k < conns; k++ {
		if err := <-errs; err != nil {
			t.Fatalf("%v (stderr %s)", err, errOut)
		}
	}
}

// inOrderEchoes sends writes*lines numbered lines in writes separate
// writes, 0.1 ms apart, without waiting for replies, and checks the echoes
// come back in order.
func inOrderEchoes(addr string, writes, lines int) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	go func() {
		for w, n := 0, 0; w < writes; w++ {
			var b strings.Builder
			for i := 0; i < lines; i++ {
				fmt.Fprintf(&b, "%d\n", n)
				n++
			}
			if _, err := c.Write([]byte(b.String())); err != nil {
				return
			}
			time.Sleep(100 * time.Microsecond) // separate reads, spread over the timer's runs
		}
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	for n := 0; n < writes*lines; n++ {
		s, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("echo %d: %v", n, err)
		}
		if got := strings.TrimSpace(s); got != fmt.Sprint(n) {
			return fmt.Errorf("echo %d came as %q: out of order", n, got)
		}
	}
	return nil
}
