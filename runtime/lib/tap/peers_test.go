package tap_test

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	lua "github.com/yuin/gopher-lua"
)

// The tap on the servers of the http and ws modules, with real peers:
// curl, python3-websockets, a raw client that upgrades mid-stream, and
// tshark reading the pcap file.

// start runs src as dir/main.lua and returns the runtime and its output.
func start(t *testing.T, dir, src string) (*runtime.Runtime, *luatest.Buf) {
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
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("output:\n%s\nstderr:\n%s", out, errOut)
		}
	})
	return rt, out
}

// global is the Lua expression expr on the script VM, as a string.
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

// waitLines waits until out has a line matching each pattern, in order.
func waitLines(t *testing.T, out *luatest.Buf, pats ...string) {
	t.Helper()
	res := make([]*regexp.Regexp, len(pats))
	for i, p := range pats {
		res[i] = regexp.MustCompile(p)
	}
	luatest.WaitFor(t, "tap lines "+strings.Join(pats, " | "), 5*time.Second, func() bool {
		i := 0
		for _, l := range strings.Split(out.String(), "\n") {
			if i < len(res) && res[i].MatchString(l) {
				i++
			}
		}
		return i == len(res)
	})
}

const ts = `^\d\d:\d\d:\d\d\.\d{6} `

// curl against a tapped http.listen server: the lines show its request
// line and headers and the response's status; a pcap of the same
// exchange is decoded as HTTP by tshark.
func TestTapHTTPWithCurlAndTshark(t *testing.T) {
	curl := testkit.NeedTool(t, "curl")
	dir := t.TempDir()
	rt, out := start(t, dir, `
SRV = assert(http.listen("http://127.0.0.1:0", function(req)
  return 201, {["Content-Type"] = "text/plain"}, "made " .. req.path
end))
T = net.tap(SRV)
P = net.tap(SRV, {to = "x.pcap"})
ADDR = SRV.addr
`)
	addr := global(rt, "ADDR")
	got, err := exec.Command(curl, "-s", "--max-time", "5", "http://"+addr+"/thing?a=1").CombinedOutput()
	if err != nil || string(got) != "made /thing" {
		t.Fatalf("curl: %v %q", err, got)
	}
	qa := regexp.QuoteMeta(addr)
	waitLines(t, out,
		ts+`< conn (\d+) 127\.0\.0\.1:\d+ \d+ B  HTTP GET /thing\?a=1 HTTP/1\.1 \[Host: `+qa+`\]$`,
		ts+`> conn \d+ 127\.0\.0\.1:\d+ \d+ B  HTTP HTTP/1\.1 201 Created \[Content-Type: text/plain, Content-Length: 11\]$`,
	)
	if global(rt, "P:stop()") != "true" {
		t.Fatal("P:stop() failed")
	}
	tshark := testkit.NeedTool(t, "tshark")
	_, port, _ := net.SplitHostPort(addr)
	fields, err := exec.Command(tshark, "-r", filepath.Join(dir, "x.pcap"), "-d", "tcp.port=="+port+",http",
		"-Y", "http", "-T", "fields", "-e", "http.request.method", "-e", "http.request.uri", "-e", "http.response.code").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, fields)
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(string(fields)), "\n") {
		if !strings.HasPrefix(l, "Running as") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 2 || rows[0] != "GET\t/thing?a=1\t" || rows[1] != "\t\t201" {
		t.Fatalf("tshark decoded %q, want the GET and the 201", rows)
	}
}

// python3-websockets against a tapped ws.listen server: the handshake
// as HTTP lines, then each frame with its opcode, FIN, mask and close code.
func TestTapWSListenWithPython(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import websockets").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-websockets not installed (CI installs it): %v", err)
		}
		t.Skipf("python3-websockets not installed under %s; skipping", py)
	}
	rt, out := start(t, t.TempDir(), `
SRV = assert(ws.listen("ws://127.0.0.1:0/", {on_message = function(c, m, kind)
  if kind == "binary" then c:send_binary(m) else c:send(m) end
end}))
T = net.tap(SRV)
ADDR = SRV.addr
`)
	script := `
import asyncio, sys, websockets
async def main():
    async with websockets.connect("ws://" + sys.argv[1] + "/chat", compression=None) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.send(b"\x00\x01\x02")
        assert await ws.recv() == b"\x00\x01\x02"
        await ws.close(1000)
asyncio.run(asyncio.wait_for(main(), 5))
`
	if got, err := exec.Command(py, "-c", script, global(rt, "ADDR")).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, got)
	}
	waitLines(t, out,
		ts+`< conn (\d+) .* HTTP GET /chat HTTP/1\.1 \[Host: .*Upgrade: websocket.*\]$`,
		ts+`> conn \d+ .* HTTP HTTP/1\.1 101 Switching Protocols \[Connection: Upgrade, Upgrade: websocket\]$`,
		ts+`< conn \d+ .* 11 B  WS text fin masked 5 B "hello"$`,
		ts+`> conn \d+ .* 7 B  WS text fin 5 B "hello"$`,
		ts+`< conn \d+ .* 9 B  WS binary fin masked 3 B$`,
		ts+`> conn \d+ .* 5 B  WS binary fin 3 B$`,
		ts+`< conn \d+ .* WS close fin masked 2 B code 1000$`,
		ts+`> conn \d+ .* WS close fin 2 B code 1000$`,
	)
}

// One conn to an http.listen server: a plain request, then an upgrade
// (ws.upgrade in the handler) and frames. The tap follows it across the
// 101: HTTP lines, then WS lines, all on the same conn id.
func TestTapHTTPUpgradeMidStream(t *testing.T) {
	dir := t.TempDir()
	rt, out := start(t, dir, `
SRV = assert(http.listen("http://127.0.0.1:0", function(req)
  if req.path == "/ws" then
    return ws.upgrade(req, {on_message = function(c, m) c:send("echo " .. m) end})
  end
  return 200, nil, "plain"
end))
T = net.tap(SRV)
P = net.tap(SRV, {to = "u.pcap"})
ADDR = SRV.addr
`)
	addr := global(rt, "ADDR")
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	io.WriteString(c, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
	readHead(t, r)
	if b := make([]byte, 5); func() bool { _, err := io.ReadFull(r, b); return err != nil || string(b) != "plain" }() {
		t.Fatal("no plain body")
	}
	key := make([]byte, 16)
	rand.Read(key)
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "+
		base64.StdEncoding.EncodeToString(key)+"\r\n\r\n")
	if h := readHead(t, r); !strings.HasPrefix(h, "HTTP/1.1 101") {
		t.Fatalf("upgrade answered %q", h)
	}
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | 2, mask[0], mask[1], mask[2], mask[3], 'h' ^ mask[0], 'i' ^ mask[1]}
	c.Write(frame)
	echo := make([]byte, 2+7)
	if _, err := io.ReadFull(r, echo); err != nil || string(echo[2:]) != "echo hi" {
		t.Fatalf("echo: %v %q", err, echo)
	}
	waitLines(t, out,
		ts+`< conn (\d+) .* HTTP GET /plain HTTP/1\.1 \[Host: x\]$`,
		ts+`> conn \d+ .* HTTP HTTP/1\.1 200 OK .*$`,
		ts+`< conn \d+ .* HTTP GET /ws HTTP/1\.1 \[Host: x, Connection: Upgrade, Upgrade: websocket\]$`,
		ts+`> conn \d+ .* HTTP HTTP/1\.1 101 Switching Protocols .*$`,
		ts+`< conn \d+ .* 8 B  WS text fin masked 2 B "hi"$`,
		ts+`> conn \d+ .* 9 B  WS text fin 7 B "echo hi"$`,
	)
	ids := regexp.MustCompile(`[<>] conn (\d+) `).FindAllStringSubmatch(out.String(), -1)
	for _, m := range ids {
		if m[1] != ids[0][1] {
			t.Fatalf("lines of two conns: %v", ids)
		}
	}
	// tshark, told the port is HTTP, follows the upgrade too: the two
	// frames as WebSocket text, the client's masked.
	if global(rt, "P:stop()") != "true" {
		t.Fatal("P:stop() failed")
	}
	tshark := testkit.NeedTool(t, "tshark")
	_, port, _ := net.SplitHostPort(addr)
	got, err := exec.Command(tshark, "-r", filepath.Join(dir, "u.pcap"), "-d", "tcp.port=="+port+",http",
		"-Y", "websocket", "-T", "fields", "-e", "websocket.opcode", "-e", "websocket.mask").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if s := strings.TrimSpace(string(got)); s != "1\t1\n1\t0" {
		t.Fatalf("tshark's WebSocket frames (opcode, mask): %q", s)
	}
}

// A ws.dial client tapped after it connected: its frames are still
// decoded (the tap knows the conn speaks WebSocket without the 101).
func TestTapWSDialMidStream(t *testing.T) {
	rt, out := start(t, t.TempDir(), `
SRV = assert(ws.listen("ws://127.0.0.1:0/", {on_message = function(c, m) c:send(m) end}))
GOT = 0
CL = ws.dial("ws://" .. SRV.addr .. "/", {on_open = function(c) OPEN = true end,
  on_message = function(c, m) GOT = GOT + 1 end})
`)
	luatest.WaitFor(t, "the client open", 5*time.Second, func() bool { return global(rt, "OPEN") == "true" })
	if err := rt.RunString("tap", `T = net.tap(CL); CL:send("later")`); err != nil {
		t.Fatal(err)
	}
	waitLines(t, out,
		ts+`> conn \d+ .* 11 B  WS text fin masked 5 B "later"$`,
		ts+`< conn \d+ .* 7 B  WS text fin 5 B "later"$`,
	)
}

func readHead(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var h strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a head: %v (%q)", err, h.String())
		}
		if l == "\r\n" {
			return h.String()
		}
		h.WriteString(l)
	}
}

// An http.client tapped: its requests go out (>) and its responses come
// in (<), on the conns it dials.
func TestTapHTTPClient(t *testing.T) {
	_, out := start(t, t.TempDir(), `
SRV = assert(http.listen("http://127.0.0.1:0", function(req) return 200, nil, "ok" end))
CL = http.client()
T = net.tap(CL)
assert(CL:get(SRV.url .. "/c").body == "ok")
assert(CL:post(SRV.url .. "/d", "body").body == "ok")
`)
	waitLines(t, out,
		ts+`> conn (\d+) .* HTTP GET /c HTTP/1\.1 \[Host: 127\.0\.0\.1:\d+\]$`,
		ts+`< conn \d+ .* HTTP HTTP/1\.1 200 OK .*$`,
		ts+`> conn \d+ .* HTTP POST /d HTTP/1\.1 \[Host: 127\.0\.0\.1:\d+, .*Content-Length: 4\]$`,
		ts+`< conn \d+ .* HTTP HTTP/1\.1 200 OK .*$`,
	)
}
