package runtime_test

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// TestHandlerErrorNamesOrigin: a failing handler's log line says which
// server, conn and callback failed, then the user's file:line.
func TestHandlerErrorNamesOrigin(t *testing.T) {
	r, _, errOut := luatest.Start(t, rttest.New)
	src := `local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, m) error("bad " .. m) end,
  on_open = function(c) if c.data.x == nil then c.data.x = 1 end end}))
local c = assert(net.connect(srv.url, {codec = codec.line()}))
c:send("x")
assert(c:receive(5) == nil)
srv:close()`
	if err := r.(interface {
		RunString(name, src string) error
	}).RunString("handler.lua", src); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`server tcp://127\.0\.0\.1:\d+ conn \d+ on_message: handler\.lua:2: bad x`)
	luatest.WaitFor(t, "the handler error in the log", 10*time.Second, func() bool { return re.MatchString(errOut.String()) })
}

// TestEvalLimited: a shell line run with EvalLimited stops at the
// per-callback budget; the same line through Eval (:budget off) finishes.
func TestEvalLimited(t *testing.T) {
	r, _, _ := luatest.Start(t, func(stdout, stderr io.Writer) (*runtime.Runtime, error) {
		return runtime.New(runtime.Options{Stdout: stdout, Stderr: stderr, Budget: 100 * time.Millisecond})
	})
	busy := `local t = os.clock() while os.clock() - t < 0.4 do end return "done"`
	err := r.EvalLimited(context.Background(), "stdin", busy, nil)
	if err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("EvalLimited of a 0.4 s loop under a 100 ms budget: %v, want the budget error", err)
	}
	var got string
	if err := r.Eval(context.Background(), "stdin", busy, func(L *lua.LState, vals []lua.LValue) { got = vals[0].String() }); err != nil || got != "done" {
		t.Fatalf("Eval of the same loop: %q, %v", got, err)
	}
}
