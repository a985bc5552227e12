// Package luatest is netplay's one test harness for Lua: it starts a
// runtime with captured output, gives Lua test files a `t` table, runs
// them and waits on conditions with a deadline. It knows runtimes only
// through Runner, so the VM core's own tests and the module packages'
// tests share it.
package luatest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// Runner is what the harness needs of a runtime (runtime.Runtime and the
// core's Runtime both are one).
type Runner interface {
	Do(fn func(L *lua.LState)) error
	RunFile(path string, args []string) error
	Wait(ctx context.Context) error
	Stop(ctx context.Context) error
}

// NewFunc starts a runtime writing to stdout and stderr.
type NewFunc func(stdout, stderr io.Writer) (Runner, error)

// Buf is a bytes.Buffer safe for the VM goroutine and the test.
type Buf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Start starts a runtime with mk, its output captured; it is stopped at
// the end of the test.
func Start[R Runner](t testing.TB, mk func(stdout, stderr io.Writer) (R, error)) (R, *Buf, *Buf) {
	t.Helper()
	out, errOut := &Buf{}, &Buf{}
	r, err := mk(out, errOut)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r.Stop(ctx)
	})
	return r, out, errOut
}

// WaitFor is testkit.WaitFor (the one wait of the project's tests) with
// the runtime tests' argument order.
func WaitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, timeout, what, cond)
}

// InstallT exposes a `t` table to Lua: t:eq(a, b, msg), t:ok(v, msg),
// t:error(fn, pattern, msg), t:log(...), t:fail(msg), t:now().
func InstallT(t testing.TB, r Runner) {
	t.Helper()
	where := func(L *lua.LState) string {
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil {
				return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
			}
		}
		return "?"
	}
	err := r.Do(func(L *lua.LState) {
		tt := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"eq": func(L *lua.LState) int {
				a, b := L.Get(2), L.Get(3)
				if !L.Equal(a, b) {
					t.Errorf("%s: %s: got %s, want %s", where(L), L.OptString(4, "eq"), repr(a), repr(b))
				}
				return 0
			},
			"ok": func(L *lua.LState) int {
				if !lua.LVAsBool(L.Get(2)) {
					t.Errorf("%s: %s: got %s", where(L), L.OptString(3, "ok"), repr(L.Get(2)))
				}
				return 0
			},
			"now": func(L *lua.LState) int {
				L.Push(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
				return 1
			},
			"fail": func(L *lua.LState) int {
				t.Errorf("%s: %s", where(L), L.OptString(2, "fail"))
				return 0
			},
			"log": func(L *lua.LState) int {
				var parts []string
				for i := 2; i <= L.GetTop(); i++ {
					parts = append(parts, L.Get(i).String())
				}
				t.Logf("%s: %s", where(L), strings.Join(parts, " "))
				return 0
			},
		})
		L.SetGlobal("t", tt)
		// t:error runs fn under the script's pcall, so fn may yield.
		if err := L.DoString(`function t:error(fn, pattern, msg)
  local ok, err = pcall(fn)
  if ok then self:fail((msg or "error") .. ": no error raised") return nil end
  err = tostring(err)
  if pattern and not err:find(pattern, 1, true) then
    self:fail((msg or "error") .. ": error " .. string.format("%q", err) .. " does not contain " .. string.format("%q", pattern))
  end
  return err
end`); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func repr(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	return v.String()
}

// RunFile runs the Lua test file path on a new runtime with `t` installed
// and waits until its handlers and timers are done.
func RunFile(t testing.TB, mk NewFunc, path string) (Runner, *Buf, *Buf) {
	t.Helper()
	r, out, errOut := Start(t, mk)
	InstallT(t, r)
	if err := r.RunFile(path, nil); err != nil {
		if se, ok := err.(*host.ScriptError); ok {
			t.Fatalf("%s\n%s\nstderr: %s", se.Msg, se.Traceback, errOut)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Wait(ctx); err != nil {
		t.Fatalf("%s: Wait: %v (stderr: %s)", path, err, errOut)
	}
	return r, out, errOut
}

// RunDir runs every dir/*_test.lua as a subtest.
func RunDir(t *testing.T, mk NewFunc, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*_test.lua"))
	if len(files) == 0 {
		t.Fatalf("no Lua test files in %s", dir)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), "_test.lua"), func(t *testing.T) {
			RunFile(t, mk, f)
		})
	}
}

// LineConn is a plain Go TCP client with line helpers; DialLine closes it
// at the end of the test.
type LineConn struct {
	net.Conn // for writes that are not lines
	t        testing.TB
	r        *bufio.Reader
}

func DialLine(t testing.TB, addr string) *LineConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &LineConn{Conn: c, t: t, r: bufio.NewReader(c)}
}

// Send writes s and a newline.
func (lc *LineConn) Send(s string) {
	lc.t.Helper()
	if _, err := lc.Conn.Write([]byte(s + "\n")); err != nil {
		lc.t.Fatal(err)
	}
}

// Recv reads one line; err is io.EOF or a timeout.
func (lc *LineConn) Recv(timeout time.Duration) (string, error) {
	lc.Conn.SetReadDeadline(time.Now().Add(timeout))
	s, err := lc.r.ReadString('\n')
	return strings.TrimRight(s, "\r\n"), err
}
