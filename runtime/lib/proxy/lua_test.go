package proxy_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// buf is an output buffer safe for the runtime's goroutines.
type buf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newRuntime starts a runtime with a `t` table (t:eq, t:ok, t:error),
// stopped when the test ends.
func newRuntime(t *testing.T) (*runtime.Runtime, *buf, *buf) {
	t.Helper()
	out, errOut := &buf{}, &buf{}
	rt, err := runtime.New(runtime.Options{Stdout: out, Stderr: errOut})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	where := func(L *lua.LState) string {
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil {
				return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
			}
		}
		return "?"
	}
	err = rt.Do(func(L *lua.LState) {
		L.SetGlobal("t", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
			"eq": func(L *lua.LState) int {
				if a, b := L.Get(2), L.Get(3); !L.Equal(a, b) {
					t.Errorf("%s: %s: got %v, want %v", where(L), L.OptString(4, "eq"), a, b)
				}
				return 0
			},
			"ok": func(L *lua.LState) int {
				if !lua.LVAsBool(L.Get(2)) {
					t.Errorf("%s: %s", where(L), L.OptString(3, "ok"))
				}
				return 0
			},
			"fail": func(L *lua.LState) int {
				t.Errorf("%s: %s", where(L), L.OptString(2, "fail"))
				return 0
			},
		}))
		if err := L.DoString(`function t:error(fn, pattern)
  local ok, err = pcall(fn)
  if ok then self:fail("no error raised; want " .. pattern) return end
  if not tostring(err):find(pattern, 1, true) then self:fail(string.format("error %q lacks %q", tostring(err), pattern)) end
end`); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt, out, errOut
}

// run runs a chunk and waits until the script is done.
func run(t *testing.T, rt *runtime.Runtime, name, src string, errOut *buf) {
	t.Helper()
	if err := rt.RunString(name, src); err != nil {
		t.Fatalf("%s: %v\nstderr: %s", name, err, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rt.Wait(ctx); err != nil {
		t.Fatalf("%s: Wait: %v\nstderr: %s", name, err, errOut)
	}
	if strings.Contains(errOut.String(), name) {
		t.Errorf("%s logged an error: %s", name, errOut)
	}
}

func TestLuaProxy(t *testing.T) {
	src, err := os.ReadFile("testdata/proxy_test.lua")
	if err != nil {
		t.Fatal(err)
	}
	rt, _, errOut := newRuntime(t)
	run(t, rt, "proxy_test.lua", string(src), errOut)
}

// TestDocsLuaBlocks runs every ```lua block of docs/proxy.md in a fresh
// runtime and compares what it prints with its "--> " comments.
func TestDocsLuaBlocks(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/proxy.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```lua\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 3 {
		t.Fatalf("docs/proxy.md has %d Lua blocks, want at least 3", len(blocks))
	}
	for i, b := range blocks {
		t.Run(fmt.Sprint("block", i+1), func(t *testing.T) {
			rt, out, errOut := newRuntime(t)
			run(t, rt, fmt.Sprintf("proxy.md block %d", i+1), b[1], errOut)
			var want []string
			for _, m := range regexp.MustCompile(`--> (.*)`).FindAllStringSubmatch(b[1], -1) {
				want = append(want, strings.TrimSpace(m[1]))
			}
			got := strings.Fields(strings.ReplaceAll(out.String(), "\t", " "))
			if w := strings.Fields(strings.Join(want, " ")); strings.Join(got, " ") != strings.Join(w, " ") {
				t.Errorf("block %d printed %q, its --> comments say %q\n%s", i+1, out.String(), want, b[1])
			}
		})
	}
}
