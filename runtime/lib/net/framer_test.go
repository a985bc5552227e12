package net_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/codecs"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/core"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	"github.com/netplay-lab/netplay/runtime/lib/net"
	"github.com/netplay-lab/netplay/runtime/lib/timer"
)

// kv is a codec kind defined outside runtime/lib/codec, to show what adding
// one takes: a Framer and a Kind (this file) and one line in the kind list
// (kvModules). Its messages are tables, as HTTP's and WebSocket's are:
// "key=value" lines become {key = …, value = …}.
type kvFramer struct{}

func (kvFramer) Name() string                  { return "kv" }
func (kvFramer) Splitter() codecs.Codec        { return codecs.Line(codecs.LineOptions{}).New() }
func (kvFramer) Owner() host.VM                { return nil }
func (kvFramer) Conn(host.VM) codec.ConnFramer { return kvConn{} }

type kvConn struct{}

func (kvConn) Decode(L *lua.LState, frame []byte, out codec.Sink) error {
	k, v, ok := bytes.Cut(frame, []byte("="))
	if !ok {
		return fmt.Errorf("kv: no '=' in %q", frame)
	}
	t := L.CreateTable(0, 2)
	t.RawSetString("key", lua.LString(k))
	t.RawSetString("value", lua.LString(v))
	out.Push(t)
	return nil
}

func (kvConn) Encode(_ *lua.LState, dst []byte, msg lua.LValue) ([]byte, error) {
	t, ok := msg.(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("kv: table expected, got %s", msg.Type())
	}
	return fmt.Appendf(dst, "%s=%s\n", lua.LVAsString(t.RawGetString("key")), lua.LVAsString(t.RawGetString("value"))), nil
}

var kvKind = codec.Kind{
	Doc: host.FuncDoc{Name: "kv", Signature: "codec.kv()", Doc: "key=value lines as {key = …, value = …}."},
	New: func(*lua.LState, host.VM) codec.Framer { return kvFramer{} },
}

// kvModules is the module list with the kv kind registered.
func kvModules() []*host.Module {
	return []*host.Module{core.Globals, timer.Module, luactx.Module, net.Module,
		codec.Module(append(codec.Builtin(), kvKind)...)}
}

// TestFramerAddedOutside runs a conn that starts with codec.line and
// switches to the kv kind mid-stream: messages become tables, c:send
// encodes tables, and a frame the kind cannot decode closes the conn with
// its error.
func TestFramerAddedOutside(t *testing.T) {
	r, _, errOut := luatest.Start(t, func(stdout, stderr io.Writer) (*core.Runtime, error) {
		return core.New(core.Config{Stdout: stdout, Stderr: stderr, Modules: kvModules()})
	})
	err := r.RunString("kv.lua", `
assert(tostring(codec.kv()) == "codec.kv")
CLOSED = nil
local srv = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.line(),
  on_message = function(c, m)
    if type(m) == "string" then
      if m == "KV" then c:send("OK " .. c.codec); c:set_codec(codec.kv()) else c:send("line " .. m) end
    else
      c:send({key = m.key, value = m.value .. "! " .. c.codec})
    end
  end,
  on_close = function(c, err) CLOSED = err end}))
ADDR = srv.addr`)
	if err != nil {
		t.Fatalf("%v (stderr %s)", err, errOut)
	}
	var addr string
	r.Do(func(L *lua.LState) { addr = L.GetGlobal("ADDR").String() })
	c := luatest.DialLine(t, addr)
	for _, step := range []struct{ send, want string }{
		{"hello", "line hello"},
		{"KV", "OK line"},
		{"a=1", "a=1! kv"},
		{"b=", "b=! kv"},
	} {
		c.Send(step.send)
		if got, err := c.Recv(2 * time.Second); err != nil || got != step.want {
			t.Fatalf("sent %q: got %q, %v; want %q", step.send, got, err, step.want)
		}
	}
	c.Send("no equals sign")
	if got, err := c.Recv(2 * time.Second); err == nil {
		t.Fatalf("conn still open after a bad kv frame: got %q", got)
	}
	var closed string
	luatest.WaitFor(t, "on_close", 2*time.Second, func() bool {
		r.Do(func(L *lua.LState) { closed = lua.LVAsString(L.GetGlobal("CLOSED")) })
		return closed != ""
	})
	if !strings.Contains(closed, `kv: no '=' in "no equals sign"`) {
		t.Errorf("on_close err = %q", closed)
	}
}
