package runtime

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/host"
	lua "github.com/yuin/gopher-lua"
)

// syncBuf is a bytes.Buffer safe for the VM goroutine and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestRuntime starts a runtime whose output is captured; it is stopped
// at the end of the test.
func newTestRuntime(t *testing.T, opts Options) (*Runtime, *syncBuf, *syncBuf) {
	t.Helper()
	out, errOut := &syncBuf{}, &syncBuf{}
	opts.Stdout, opts.Stderr = out, errOut
	rt, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	return rt, out, errOut
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// installT exposes a `t` table to Lua: t:eq(a, b, msg), t:ok(v, msg),
// t:error(fn, pattern, msg), t:log(...), t:fail(msg).
func installT(t *testing.T, rt *Runtime) {
	t.Helper()
	where := func(L *lua.LState) string {
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil {
				return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
			}
		}
		return "?"
	}
	err := rt.Do(func(L *lua.LState) {
		tt := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"eq": func(L *lua.LState) int {
				a, b := L.Get(2), L.Get(3)
				if !L.Equal(a, b) {
					t.Errorf("%s: %s: got %s, want %s", where(L), L.OptString(4, "eq"), luaRepr(a), luaRepr(b))
				}
				return 0
			},
			"ok": func(L *lua.LState) int {
				if !lua.LVAsBool(L.Get(2)) {
					t.Errorf("%s: %s: got %s", where(L), L.OptString(3, "ok"), luaRepr(L.Get(2)))
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

func luaRepr(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return fmt.Sprintf("%q", string(s))
	}
	return v.String()
}

// runLuaFile runs a Lua test file under runtime/testdata with `t` installed
// and waits until its handlers and timers are done.
func runLuaFile(t *testing.T, name string, opts Options) (*Runtime, *syncBuf, *syncBuf) {
	t.Helper()
	rt, out, errOut := newTestRuntime(t, opts)
	installT(t, rt)
	if err := rt.RunFile(filepath.Join("testdata", name), nil); err != nil {
		if se, ok := err.(*host.ScriptError); ok {
			t.Fatalf("%s\n%s\nstderr: %s", se.Msg, se.Traceback, errOut)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatalf("%s: Wait: %v (stderr: %s)", name, err, errOut)
	}
	return rt, out, errOut
}

func TestLuaFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*_test.lua")
	if len(files) == 0 {
		t.Fatal("no Lua test files")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, "_test.lua"), func(t *testing.T) {
			runLuaFile(t, name, Options{})
		})
	}
}
