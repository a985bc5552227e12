package net_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// handlerV is a line handler file whose replies say its version, the
// message and how many messages the conn sent (kept in c.data).
func handlerV(v int) string {
	return fmt.Sprintf(`local V = %d
return {codec = codec.line(), on_message = function(c, m)
  c.data.n = (c.data.n or 0) + 1
  shared.dict("reload_test"):incr("msgs", 1)
  c:send(V .. " " .. m .. " " .. c.data.n)
end}
`, v)
}

func startLoopServer(t *testing.T) (*runtime.Runtime, string, string, *luatest.Buf) {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "h.lua"), handlerV(1))
	rt, _, errOut := luatest.Start(t, func(stdout, stderr io.Writer) (*runtime.Runtime, error) {
		return runtime.New(runtime.Options{Stdout: stdout, Stderr: stderr, Loops: 2})
	})
	main := filepath.Join(dir, "main.lua")
	write(t, main, `SRV = assert(net.listen("tcp://127.0.0.1:0", {vm = "loop", handler = "h.lua"}))
ADDR = SRV.addr
function RELOAD(f) local ok, err = SRV:reload(f); RESULT = ok and "ok" or err end`)
	if err := rt.RunFile(main, nil); err != nil {
		t.Fatal(err)
	}
	return rt, dir, global(rt, "ADDR"), errOut
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func reload(t *testing.T, rt *runtime.Runtime) string {
	t.Helper()
	eval(t, rt, `RELOAD()`)
	return global(rt, "RESULT")
}

// The next message runs the new code; c.data and shared.dict survive; a
// file that does not compile or fails at load leaves the old code running
// and the error names file:line.
func TestReloadSemantics(t *testing.T) {
	rt, dir, addr, _ := startLoopServer(t)
	c := luatest.DialLine(t, addr)
	ask := func(m, want string) {
		t.Helper()
		c.Send(m)
		if got, err := c.Recv(5 * time.Second); err != nil || got != want {
			t.Fatalf("%s: %q, %v; want %q", m, got, err, want)
		}
	}
	ask("a", "1 a 1")
	write(t, filepath.Join(dir, "h.lua"), handlerV(2))
	if r := reload(t, rt); r != "ok" {
		t.Fatalf("reload: %s", r)
	}
	ask("b", "2 b 2")
	write(t, filepath.Join(dir, "h.lua"), "local V = 3\nreturn {on_message = function(c, m)\n  c:send(V ..)\nend}\n")
	if r := reload(t, rt); !strings.Contains(r, "h.lua:3: ") {
		t.Fatalf("a syntax error: %q, want h.lua:3: …", r)
	}
	ask("c", "2 c 3")
	write(t, filepath.Join(dir, "h.lua"), "local V = 4\nerror('not today')\n")
	if r := reload(t, rt); !strings.Contains(r, "h.lua:2: not today") {
		t.Fatalf("an error at load: %q, want h.lua:2: not today", r)
	}
	ask("d", "2 d 4")
	write(t, filepath.Join(dir, "other.lua"), handlerV(5))
	eval(t, rt, `RELOAD("other.lua")`)
	if r := global(rt, "RESULT"); r != "ok" {
		t.Fatalf("reload(other.lua): %s", r)
	}
	ask("e", "5 e 5")
	c2 := luatest.DialLine(t, addr) // a new conn gets the new code too
	c2.Send("f")
	if got, err := c2.Recv(5 * time.Second); err != nil || got != "5 f 1" {
		t.Fatalf("new conn: %q, %v", got, err)
	}
	if n := global(rt, `shared.dict("reload_test"):get("msgs")`); n != "6" {
		t.Fatalf("shared.dict msgs = %s, want 6", n)
	}
}

// 100 conns under load through ten reloads: none closed, no message lost
// or answered twice, every request sent after a reload returned is
// answered by the new code.
func TestReloadUnderLoad(t *testing.T) {
	rt, dir, addr, errOut := startLoopServer(t)
	const conns = 100
	var minVersion atomic.Int64 // the version every later request must see
	minVersion.Store(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	var replies atomic.Int64
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func(i int, c net.Conn) {
			defer wg.Done()
			r := bufio.NewReader(c)
			last := 0
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				floor := int(minVersion.Load())
				fmt.Fprintf(c, "m%d\n", n)
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				line, err := r.ReadString('\n')
				if err != nil {
					errs <- fmt.Errorf("conn %d message %d: %v", i, n, err)
					return
				}
				var v, got int
				var m string
				if _, err := fmt.Sscanf(line, "%d %s %d", &v, &m, &got); err != nil || m != fmt.Sprintf("m%d", n) || got != n {
					errs <- fmt.Errorf("conn %d message %d: reply %q (lost or doubled)", i, n, line)
					return
				}
				if v < floor || v < last {
					errs <- fmt.Errorf("conn %d message %d: version %d after reload to %d (last %d)", i, n, v, floor, last)
					return
				}
				last = v
				replies.Add(1)
			}
		}(i, c)
	}
	luatest.WaitFor(t, "every conn answered", 5*time.Second, func() bool { return replies.Load() >= conns })
	for v := 2; v <= 11; v++ {
		write(t, filepath.Join(dir, "h.lua"), handlerV(v))
		before := replies.Load()
		if r := reload(t, rt); r != "ok" {
			t.Fatalf("reload %d: %s", v, r)
		}
		minVersion.Store(int64(v))
		luatest.WaitFor(t, "replies after the reload", 5*time.Second, func() bool { return replies.Load() > before+conns })
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := global(rt, `SRV:stats().active .. " " .. SRV:stats().accepted`); s != "100 100" {
		t.Errorf("active/accepted %s, want 100 100; stderr %s", s, errOut)
	}
	t.Logf("%d replies through 10 reloads", replies.Load())
}

// A script-VM server whose handlers come from a file reloads the same way.
func TestReloadScriptVM(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "h.lua"), handlerV(1))
	rt, _, _ := startScript(t, dir, `SRV = assert(net.listen("tcp://127.0.0.1:0", {handler = "h.lua"}))
ADDR = SRV.addr
function RELOAD(f) local ok, err = SRV:reload(f); RESULT = ok and "ok" or err end
local ok, err = pcall(net.listen, "tcp://127.0.0.1:0", {handler = "h.lua", on_message = print})
assert(not ok and err:find("not both"), err)`)
	c := luatest.DialLine(t, global(rt, "ADDR"))
	ask := func(m, want string) {
		t.Helper()
		c.Send(m)
		if got, err := c.Recv(5 * time.Second); err != nil || got != want {
			t.Fatalf("%s: %q, %v; want %q", m, got, err, want)
		}
	}
	ask("a", "1 a 1")
	write(t, filepath.Join(dir, "h.lua"), handlerV(2))
	if r := reload(t, rt); r != "ok" {
		t.Fatalf("reload: %s", r)
	}
	ask("b", "2 b 2")
	write(t, filepath.Join(dir, "h.lua"), "error('no')\n")
	if r := reload(t, rt); !strings.Contains(r, "h.lua:1: no") {
		t.Fatalf("broken reload: %q", r)
	}
	ask("c", "2 c 3")
}
