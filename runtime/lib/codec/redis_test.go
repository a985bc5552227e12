package codec_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// TestRESPClientAgainstRedis talks to a real redis-server through
// codec.resp{client = true}: numbers in a command, a string command, typed
// replies, an error reply and a null distinct from a timeout.
func TestRESPClientAgainstRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed (CI is set)")
		}
		t.Skip("redis-server is not installed; skipping the round trip")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	luatest.WaitFor(t, "redis-server listening on "+addr, 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	r, _, errOut := luatest.Start(t, rttest.New)
	src := strings.ReplaceAll(`
local r = assert(net.connect("tcp://ADDR", {codec = codec.resp{client = true}}))
r:send("PING")
local pong = r:receive(5)
assert(type(pong) == "table" and pong.ok == "PONG", "PING: " .. tostring(pong))
r:send{"SET", "n", 5}
local ok = r:receive(5)
assert(type(ok) == "table" and ok.ok == "OK", "SET with a number: " .. tostring(ok and ok.err))
r:send{"INCRBY", "n", 2.5e1}
assert(r:receive(5) == 30, "INCRBY returns an integer")
r:send{"GET", "n"}
assert(r:receive(5) == "30", "GET returns a bulk string")
r:send{"SET", "s", "OK"}
r:receive(5)
r:send{"GET", "s"}
local bulk = r:receive(5)
assert(bulk == "OK", "a bulk OK is a string, not {ok = ...}")
r:send{"GET", "missing"}
local null = r:receive(5)
assert(null == codec.null, "null reply: " .. tostring(null))
r:send{"NOSUCHCOMMAND", "x"}
local e = r:receive(5)
assert(type(e) == "table" and e.err:find("^ERR"), "error reply")
r:send{"RPUSH", "l", "a", 1}
r:receive(5)
r:send{"LRANGE", "l", 0, -1}
local l = r:receive(5)
assert(type(l) == "table" and l[1] == "a" and l[2] == "1", "array reply")
local none, why = r:receive(0.05)
assert(none == nil and why == "timeout", "a timeout stays nil, timeout")
r:close()
`, "ADDR", addr)
	if err := r.(interface{ RunString(name, src string) error }).RunString("redis.lua", src); err != nil {
		t.Fatalf("%v\nstderr: %s", err, errOut.String())
	}
}
