package net_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
	lua "github.com/yuin/gopher-lua"
)

// startScript runs src as dir/main.lua (so the script's folder is dir) and
// returns the runtime and its output.
func startScript(t *testing.T, dir, src string) (*runtime.Runtime, *luatest.Buf, *luatest.Buf) {
	t.Helper()
	rt, out, errOut := luatest.Start(t, func(stdout, stderr io.Writer) (*runtime.Runtime, error) {
		return runtime.New(runtime.Options{Stdout: stdout, Stderr: stderr})
	})
	path := filepath.Join(dir, "main.lua")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rt.RunFile(path, nil); err != nil {
		t.Fatalf("main.lua: %v\n%s", err, errOut)
	}
	return rt, out, errOut
}

// global evaluates the Lua expression expr on the script VM.
func global(rt *runtime.Runtime, expr string) string {
	var s string
	rt.Do(func(L *lua.LState) {
		if err := L.DoString("return tostring(" + expr + ")"); err != nil {
			s = err.Error()
			return
		}
		s = L.Get(-1).String()
		L.Pop(1)
	})
	return s
}

func eval(t *testing.T, rt *runtime.Runtime, src string) {
	t.Helper()
	if err := rt.RunString("eval", src); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (CI installs it)", name)
		}
		t.Skipf("%s not installed; skipping", name)
	}
	return p
}

const echoServer = `
IDS = {}
SRV = assert(net.listen("tcp://127.0.0.1:0", {
  on_open = function(c) IDS[#IDS + 1] = c.id end,
  on_message = function(c, m) c:send(m) end}))
ADDR = SRV.addr
`

// The hexdump lines a tap prints are the bytes a peer sent: nc, and a Go
// client with bytes that are not text.
func TestTapHexdumpMatchesBytes(t *testing.T) {
	rt, out, _ := startScript(t, t.TempDir(), echoServer+`T = net.tap(SRV, {hex = true})`)
	addr := global(rt, "ADDR")
	msg := []byte("\x00\x01binary\xff\xfe and some text to pass 16\n")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(msg)
	got := make([]byte, len(msg))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo: %q, %v", got, err)
	}
	dump := tap.Hexdump(msg)
	defer func() {
		if t.Failed() {
			t.Logf("output:\n%s", out)
		}
	}()
	luatest.WaitFor(t, "the hexdump of both directions", 5*time.Second, func() bool {
		s := out.String()
		return strings.Count(s, dump) == 2 && strings.Contains(s, fmt.Sprintf(" < conn %s %s %d B", global(rt, "IDS[1]"), c.LocalAddr(), len(msg))) &&
			strings.Contains(s, fmt.Sprintf(" > conn %s %s %d B", global(rt, "IDS[1]"), c.LocalAddr(), len(msg)))
	})

	nc := needTool(t, "nc")
	ncMsg := "hello from nc\x01\x02\n"
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(nc, "-N", "-w", "3", host, port)
	cmd.Stdin = strings.NewReader(ncMsg)
	if b, err := cmd.Output(); err != nil || string(b) != ncMsg {
		t.Fatalf("nc: %q, %v", b, err)
	}
	luatest.WaitFor(t, "the hexdump of what nc sent", 5*time.Second, func() bool {
		return strings.Count(out.String(), tap.Hexdump([]byte(ncMsg))) == 2
	})
}

// RESP frames are described; an empty conns list, a conn filter and
// :stop() select what is printed.
func TestTapDescribesAndFilters(t *testing.T) {
	rt, out, _ := startScript(t, t.TempDir(), `
IDS = {}
function ID_OF(remote)
  for _, c in ipairs(SRV:conns()) do if c.remote == remote then return c.id end end
end
SRV = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp(),
  on_open = function(c) IDS[#IDS + 1] = c.id end,
  on_message = function(c, m) c:send({ok = "OK"}) end}))
ADDR = SRV.addr`)
	addr := global(rt, "ADDR")
	a, b := luatest.DialLine(t, addr), luatest.DialLine(t, addr)
	set := func(c *luatest.LineConn, k string) {
		t.Helper()
		fmt.Fprintf(c, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nv\r\n", len(k), k)
		if got, err := c.Recv(5 * time.Second); err != nil || got != "+OK" {
			t.Fatalf("SET %s: %q, %v", k, got, err)
		}
	}
	set(a, "before")
	set(b, "before")
	luatest.WaitFor(t, "both conns open", 5*time.Second, func() bool { return global(rt, "IDS[2]") != "nil" })
	idA, idB := global(rt, `ID_OF("`+a.LocalAddr().String()+`")`), global(rt, `ID_OF("`+b.LocalAddr().String()+`")`)
	if idA == idB || idA == "nil" {
		t.Fatalf("conn ids %s %s", idA, idB)
	}
	eval(t, rt, `T = net.tap(SRV, {conns = {`+idA+`}})`)
	set(a, "ka")
	set(b, "kb")
	luatest.WaitFor(t, "conn A's command and reply", 5*time.Second, func() bool {
		s := out.String()
		return strings.Contains(s, "< conn "+idA+" ") && strings.Contains(s, "RESP [SET ka v]") && strings.Contains(s, "> conn "+idA+" ") && strings.Contains(s, "RESP +OK")
	})
	eval(t, rt, `assert(T:events() == 2, T:events()); T:stop()`)
	set(a, "after")
	eval(t, rt, `assert(T:events() == 2)`)
	if s := out.String(); strings.Contains(s, "before") || strings.Contains(s, "kb") || strings.Contains(s, "conn "+idB+" ") || strings.Contains(s, "after") {
		t.Fatalf("the tap printed what it should not:\n%s", s)
	}
}

// to = "x.pcap" writes a file tshark reads, with the conn's payload; a
// path outside the script's folder is refused.
func TestTapPcapReadByTshark(t *testing.T) {
	tshark := needTool(t, "tshark")
	dir := t.TempDir()
	rt, _, _ := startScript(t, dir, echoServer+`
T = assert(net.tap(SRV, {to = "x.pcap"}))
local ok, err = net.tap(SRV, {to = "../outside.pcap"})
assert(ok == nil and err:find("outside the script's folder"), err)`)
	c := luatest.DialLine(t, global(rt, "ADDR"))
	c.Send("PING")
	if got, err := c.Recv(5 * time.Second); err != nil || got != "PING" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	eval(t, rt, `assert(T:stop())`)
	b, err := exec.Command(tshark, "-r", filepath.Join(dir, "x.pcap"), "-q", "-z", "follow,tcp,raw,0").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, b)
	}
	ping := hex.EncodeToString([]byte("PING\n"))
	if strings.Count(string(b), ping) != 2 { // the request and its echo
		t.Fatalf("tshark's stream lacks PING both ways:\n%s", b)
	}
}

// trace = true is a tap: lines on the script's output.
func TestTraceIsATap(t *testing.T) {
	rt, out, _ := startScript(t, t.TempDir(), `
SRV = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(), trace = true,
  on_message = function(c, m) c:send(m) end}))
ADDR = SRV.addr`)
	c := luatest.DialLine(t, global(rt, "ADDR"))
	c.Send("hello")
	if got, err := c.Recv(5 * time.Second); err != nil || got != "hello" {
		t.Fatalf("echo: %q, %v", got, err)
	}
	luatest.WaitFor(t, "trace lines", 5*time.Second, func() bool {
		s := out.String()
		return strings.Contains(s, `6 B  "hello\n"`) && strings.Contains(s, " < conn ") && strings.Contains(s, " > conn ")
	})
}
