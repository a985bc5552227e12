package runtime

import (
	"fmt"
	"net"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// TestNetConfigRaisesConnLimit: a script raises the engine's conn limit
// with net.config{max_conns = …} (and its listener's, default 1024, with
// net.listen's max_conns) and then holds more idle conns than the engine's
// default allows (4096, or fewer when the fds do not allow it).
func TestNetConfigRaisesConnLimit(t *testing.T) {
	const conns = 4200
	if lim := reactor.MaxConnsLimit(); lim < conns+200 {
		t.Skipf("RLIMIT_NOFILE allows %d conns, the test needs %d (client and server side)", lim, 2*conns)
	}
	rt, _, errOut := newTestRuntime(t, Options{})
	err := rt.RunString("limit.lua", fmt.Sprintf(`
local before = assert(net.config())
assert(before < %d, "default limit " .. before)
assert(net.config{max_conns = %d} == %d)
SRV = assert(net.listen("tcp://127.0.0.1:0", {max_conns = %d}))
ADDR = SRV.addr`, conns, conns+100, conns+100, conns+100))
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut)
	}
	var addr string
	rt.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("conn %d: %v", i, err)
		}
		defer c.Close()
	}
	var active, rejected int
	luatest.WaitFor(t, fmt.Sprintf("%d active conns", conns), 20*time.Second, func() bool {
		rt.Do(func(L *lua.LState) {
			L.DoString(`local s = SRV:stats(); ACTIVE, REJECTED = s.active, s.rejected`)
			active, rejected = int(lua.LVAsNumber(L.GetGlobal("ACTIVE"))), int(lua.LVAsNumber(L.GetGlobal("REJECTED")))
		})
		if rejected > 0 {
			t.Fatalf("%d conns rejected with the limit raised (active %d)", rejected, active)
		}
		return active == conns
	})
}
