package core

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// BenchmarkRedisPipelined measures scripts/examples/redis.lua's handler on
// loop VMs the way redis-benchmark -P 16 drives it, without
// redis-benchmark's CPU in the figure: 4 conns each write 64 commands at
// once and read the 64 replies. One op is one command.
func BenchmarkRedisPipelined(b *testing.B) {
	for _, c := range []struct{ name, cmd, reply string }{
		{"GET", "*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n", "$5\r\nvalue\r\n"},
		{"SET", "*3\r\n$3\r\nSET\r\n$5\r\nkey:2\r\n$3\r\nxxx\r\n", "+OK\r\n"},
		{"PING", "*1\r\n$4\r\nPING\r\n", "+PONG\r\n"},
	} {
		b.Run(c.name, func(b *testing.B) { benchRedis(b, c.cmd, c.reply) })
	}
}

func benchRedis(b *testing.B, cmd, reply string) {
	b.ReportAllocs()
	addr := benchServer(b, `local s = assert(net.listen("tcp://127.0.0.1:0", {codec = codec.resp{commands_only = true},
  vm = "loop", handler = "../../../scripts/examples/handlers/redis_handler.lua"}))
shared.dict("redis"):set("key:1", "value")
ADDR = s.addr`)
	const conns, depth = 4, 64
	batch := bytes.Repeat([]byte(cmd), depth)
	want := bytes.Repeat([]byte(reply), depth)
	b.ResetTimer()
	runClients(b, addr, conns, b.N/(conns*depth)+1, func() func(net.Conn) error {
		got := make([]byte, len(want))
		return func(c net.Conn) error {
			if _, err := c.Write(batch); err != nil {
				return err
			}
			if _, err := io.ReadFull(c, got); err != nil {
				return err
			}
			if !bytes.Equal(got, want) {
				return fmt.Errorf("replies %q…, want %q…", got[:len(reply)], want[:len(reply)])
			}
			return nil
		}
	})
}

// BenchmarkRedisHandler is the Lua side of one command alone: redis.lua's
// on_message called with a fresh argument table, as the RESP codec delivers
// it, on a thread that checks the budget before every instruction as
// handlers do — no sockets, no decoding, no coroutine switch. A Lua table
// whose send does nothing stands in for the conn (one call before the timed
// ones goes to a conn that keeps the reply, which is checked). The figure is what
// gopher-lua needs to interpret the handler, the floor under
// BenchmarkRedisPipelined; "empty-for" is one iteration of `for i = 1, n do
// end` on the same thread, for scale.
func BenchmarkRedisHandler(b *testing.B) {
	src, err := os.ReadFile("../../../scripts/examples/handlers/redis_handler.lua")
	if err != nil {
		b.Fatal(err)
	}
	rt, err := newWith(Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Stop(context.Background())
	rt.Do(func(L *lua.LState) {
		th, _ := L.NewThread()
		th.SetContext(rt.script.s.budget)
		if err := th.DoString(`shared.dict("redis"):set("key:1", "xxx")
FAKE_CONN = {send = function(self, v) end}
CHECK_CONN = {send = function(self, v) REPLY = type(v) == "table" and (v.ok or v.err) or v end}`); err != nil {
			b.Fatal(err)
		}
		fn, err := th.Load(bytes.NewReader(src), "redis_handler.lua")
		if err != nil {
			b.Fatal(err)
		}
		th.Push(fn)
		th.Call(0, 1)
		onMessage := th.GetField(th.Get(-1), "on_message")
		th.Pop(1)
		conn, check := th.GetGlobal("FAKE_CONN"), th.GetGlobal("CHECK_CONN")
		call := func(c lua.LValue, args []string) {
			t := th.CreateTable(len(args), 0)
			for _, a := range args {
				t.Append(lua.LString(a))
			}
			th.Push(onMessage)
			th.Push(c)
			th.Push(t)
			th.Call(2, 0)
		}
		for _, tc := range []struct {
			args  []string
			reply string
		}{
			{[]string{"GET", "key:1"}, "xxx"},
			{[]string{"SET", "key:2", "xxx"}, "OK"},
			{[]string{"PING"}, "PONG"},
		} {
			b.Run(tc.args[0], func(b *testing.B) {
				call(check, tc.args)
				if got := th.GetGlobal("REPLY").String(); got != tc.reply {
					b.Fatalf("%v replied %q, want %q", tc.args, got, tc.reply)
				}
				b.ReportAllocs()
				for b.Loop() {
					call(conn, tc.args)
				}
			})
		}
		loop, err := th.LoadString(`for i = 1, ... do end`)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("empty-for", func(b *testing.B) {
			th.Push(loop)
			th.Push(lua.LNumber(b.N))
			th.Call(1, 0)
		})
	})
}
