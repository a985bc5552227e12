package net_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
	lua "github.com/yuin/gopher-lua"
)

// redis-cli, fed a malformed command in --pipe mode, reads Redis's reply
// to bad input from a codec.resp server.
func TestRESPProtocolErrorRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-cli not installed")
		}
		t.Skip("redis-cli not installed (apt-get install redis-tools)")
	}
	r, _, errOut := luatest.Start(t, rttest.New)
	dir := t.TempDir()
	script := dir + "/resp.lua"
	if err := os.WriteFile(script, []byte(`
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp{commands_only = true},
  on_message = function(c, cmd) c:send({ok = "PONG"}) end}))
PORT = srv.addr:match(":(%d+)$")`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.RunFile(script, nil); err != nil {
		t.Fatal(err)
	}
	var port string
	r.Do(func(L *lua.LState) { port = L.GetGlobal("PORT").String() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "-h", "127.0.0.1", "-p", port, "--pipe")
	cmd.Stdin = strings.NewReader("PING\r\n*-5x\r\n")
	out, _ := cmd.CombinedOutput() // --pipe exits 1 when a reply is an error
	if !strings.Contains(string(out), "ERR Protocol error: invalid multibulk length") {
		t.Fatalf("redis-cli --pipe printed %q (stderr %s)", out, errOut)
	}
}
