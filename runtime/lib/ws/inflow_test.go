package ws_test

import (
	"context"
	"encoding/binary"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/internal/testkit"
	"github.com/netplay-lab/netplay/runtime"
	lua "github.com/yuin/gopher-lua"
)

// A client streaming 48 MiB of messages while the script VM is busy: the
// server stops reading at the inflow bound (before, it read and queued
// all of them for the VM), loses nothing, the handler sees them in order,
// and a second client is answered within a second once the VM is free.
func TestMessageFloodIsBounded(t *testing.T) {
	rt, err := runtime.New(runtime.Options{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	eval := func(src string) (got string) {
		t.Helper()
		err := rt.Eval(context.Background(), "test", src, func(_ *lua.LState, vals []lua.LValue) {
			if len(vals) > 0 {
				got = vals[0].String()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	addr := eval(`seen, bad = 0, 0
srv = assert(ws.listen('ws://127.0.0.1:0/', {max_message = 1048576, on_message = function(c, msg)
  if msg == 'ping' then c:send('pong') return end
  if bin.unpack('>I4', msg) ~= seen then bad = bad + 1 end
  seen = seen + 1
end}))
return srv.addr`)
	url := "ws://" + addr + "/"
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// the VM is busy with a chunk until the test lets it go
	busy := make(chan error, 1)
	go func() {
		busy <- rt.Eval(context.Background(), "busy.lua", `local t = timer.now() while timer.now() - t < 1.5 do end`, nil)
	}()
	const n, size = 12 << 10, 4 << 10 // 48 MiB
	var written atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		msg := make([]byte, size)
		c.SetWriteDeadline(time.Now().Add(20 * time.Second))
		for i := range n {
			binary.BigEndian.PutUint32(msg, uint32(i))
			if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				wrote <- err
				return
			}
			written.Add(size)
		}
		wrote <- nil
	}()
	time.Sleep(800 * time.Millisecond) // the busy chunk runs 1.5 s: the writer has stalled by now if it is bounded
	if w := written.Load(); w > 24<<20 {
		t.Fatalf("the server took %d MiB of messages while the VM was busy", w>>20)
	}
	if err := <-busy; err != nil {
		t.Fatal(err)
	}
	// a bystander is answered while the flood drains
	start := time.Now()
	b, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := b.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := b.ReadMessage(); err != nil || string(got) != "pong" {
		t.Fatalf("bystander: %q %v", got, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("bystander answered after %v", d)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("writing: %v", err)
	}
	testkit.WaitFor(t, 20*time.Second, "every message handled", func() bool { return eval("return seen") == strconv.Itoa(n) })
	if got := eval("return bad"); got != "0" {
		t.Fatalf("%s messages out of order", got)
	}
	if peak, _ := strconv.Atoi(eval("return stats().queued_bytes_peak")); peak > 1<<20+128<<10 {
		t.Errorf("queued_bytes_peak %d; want under the 1 MiB per-conn bound and one read", peak)
	}
}
