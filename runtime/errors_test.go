package runtime_test

import (
	"regexp"
	"testing"
	"time"

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
