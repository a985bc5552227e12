package runtime

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	lua "github.com/yuin/gopher-lua"
)

const examplesDir = "../scripts/examples"

// runExample runs an example's main chunk with args and returns the runtime
// and its captured stdout.
func runExample(t *testing.T, name string, args ...string) (*Runtime, *luatest.Buf) {
	t.Helper()
	rt, out, errOut := newTestRuntime(t, Options{})
	if err := rt.RunFile(filepath.Join(examplesDir, name), args); err != nil {
		t.Fatalf("%s: %v (stderr %s)", name, err, errOut)
	}
	return rt, out
}

var listenRE = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// exampleAddr waits for the "listening on ADDR" line of a server example.
func exampleAddr(t *testing.T, out *luatest.Buf) string {
	t.Helper()
	var addr string
	luatest.WaitFor(t, "listening line", 2*time.Second, func() bool {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			return true
		}
		return false
	})
	return addr
}

// outsidePeer sends input to addr with socat (or nc) and returns what came
// back before the peer closed. It skips when neither tool exists, unless CI
// is set.
func outsidePeer(t *testing.T, addr, input string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if p, err := exec.LookPath("socat"); err == nil {
		cmd = exec.CommandContext(ctx, p, "-t", "0.5", "-", "TCP:"+addr)
	} else if p, err := exec.LookPath("nc"); err == nil {
		host, port, _ := net.SplitHostPort(addr)
		cmd = exec.CommandContext(ctx, p, "-q", "1", host, port)
	} else {
		if os.Getenv("CI") != "" {
			t.Fatal("neither socat nor nc is installed (needed as an outside peer)")
		}
		t.Skip("neither socat nor nc is installed; install one to run this probe")
	}
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return string(out)
}

func TestExampleEcho(t *testing.T) {
	for _, name := range []string{"echo.lua", "echo_loops.lua"} {
		t.Run(name, func(t *testing.T) {
			_, out := runExample(t, name, "0")
			addr := exampleAddr(t, out)
			if got := outsidePeer(t, addr, "hello netplay\n"); got != "hello netplay\n" {
				t.Errorf("outside peer got %q", got)
			}
			c := luatest.DialLine(t, addr)
			for _, msg := range []string{"one", "two", strings.Repeat("x", 1000)} {
				c.Send(msg)
				if got, err := c.Recv(2 * time.Second); err != nil || got != msg {
					t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
				}
			}
		})
	}
}

// TestExampleEchoURL: echo.lua takes a URL as the tutorial's echo.lua
// does, not only a port (README and tutorial agree on the arguments).
func TestExampleEchoURL(t *testing.T) {
	_, out := runExample(t, "echo.lua", "tcp://127.0.0.1:0")
	c := luatest.DialLine(t, exampleAddr(t, out))
	c.Send("via url")
	if got, err := c.Recv(2 * time.Second); err != nil || got != "via url" {
		t.Fatalf("echo: %q, %v", got, err)
	}
}

func TestExampleChat(t *testing.T) {
	_, out := runExample(t, "chat.lua", "0")
	addr := exampleAddr(t, out)
	a := luatest.DialLine(t, addr)
	if got, _ := a.Recv(2 * time.Second); !strings.HasPrefix(got, "welcome guest") {
		t.Fatalf("a's welcome: %q", got)
	}
	b := luatest.DialLine(t, addr)
	b.Recv(2 * time.Second) // welcome
	if got, _ := a.Recv(2 * time.Second); !strings.Contains(got, "joined") {
		t.Fatalf("a did not see b join: %q", got)
	}
	a.Send("/nick ada")
	if got, _ := b.Recv(2 * time.Second); !strings.Contains(got, "is now ada") {
		t.Fatalf("b did not see the rename: %q", got)
	}
	a.Send("hi all")
	if got, _ := b.Recv(2 * time.Second); got != "ada: hi all" {
		t.Fatalf("broadcast: %q", got)
	}
	// the sender does not get its own line back
	if got, err := a.Recv(100 * time.Millisecond); err == nil {
		t.Errorf("sender got %q", got)
	}
	// an outside peer joins, talks, leaves
	outsidePeer(t, addr, "from outside\n")
	luatest.WaitFor(t, "outside line at b", 2*time.Second, func() bool {
		got, _ := b.Recv(500 * time.Millisecond)
		return strings.HasSuffix(got, ": from outside")
	})
}

func TestExampleClient(t *testing.T) {
	// an upper-casing line server in plain Go is the peer
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					s, err := r.ReadString('\n')
					if err != nil {
						return
					}
					c.Write([]byte(strings.ToUpper(s)))
				}
			}()
		}
	}()
	rt, out := runExample(t, "client.lua", ln.Addr().String(), "first", "second")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "FIRST\nSECOND\n" {
		t.Errorf("client printed %q", got)
	}
}

func TestExampleTimers(t *testing.T) {
	start := time.Now()
	rt, out := runExample(t, "timers.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"one-shot after 50 ms\n", "tick\t1\n", "tick\t3\n", "slept; ticks = 3\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "never printed") || strings.Contains(got, "tick\t4") {
		t.Errorf("stopped timer fired:\n%s", got)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestExampleContext(t *testing.T) {
	start := time.Now()
	rt, out := runExample(t, "context.lua")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"child:\tcontext canceled\n",
		"parent after child cancel:\tnil\n",
		"sibling:\tnil\n",
		"value through the chain:\tr-42\n",
		"sibling after root cancel:\tcontext canceled\n",
		"on_done:\tcontext deadline exceeded\n",
		"pool job:\tfalse\tcontext deadline exceeded\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("the deadline did not cut the 10 s job: %v", el)
	}
}

func TestExamplePool(t *testing.T) {
	rt, out := runExample(t, "pool.lua", "0")
	addr := exampleAddr(t, out)
	worker, other := luatest.DialLine(t, addr), luatest.DialLine(t, addr)
	worker.Send("work 0.5")
	start := time.Now()
	// the ping must arrive while the job runs, or the test proves nothing
	luatest.WaitFor(t, "the job to run on a worker", 2*time.Second, func() bool {
		running := 0
		rt.Do(func(L *lua.LState) {
			if err := L.DoString(`__running = pool.stats().running`); err == nil {
				running = int(lua.LVAsNumber(L.GetGlobal("__running")))
			}
		})
		return running > 0
	})
	other.Send("ping")
	if got, err := other.Recv(2 * time.Second); err != nil || got != "pong" {
		t.Fatalf("ping: %q, %v", got, err)
	}
	if el := time.Since(start); el > 300*time.Millisecond {
		t.Errorf("ping answered after %v: the blocking job stalled the VM", el)
	}
	if got, err := worker.Recv(3 * time.Second); err != nil || got != "done after 0.5s" {
		t.Fatalf("work: %q, %v", got, err)
	}
	if got := outsidePeer(t, addr, "ping\n"); got != "pong\n" {
		t.Errorf("outside peer: %q", got)
	}
}
