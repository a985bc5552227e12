package ws_test

import (
	"context"
	"encoding/binary"
	"io"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/internal/testkit"
	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
	lua "github.com/yuin/gopher-lua"
)

// A client streaming 48 MiB of messages while the script VM is busy: the
// server stops reading at the inflow bound (before, it read and queued
// all of them for the VM), loses nothing, the handler sees them in order,
// and a second client is answered within a second once the VM is free.
func TestMessageFloodIsBounded(t *testing.T) {
	rt, eval := rttest.Start(t, runtime.Options{Stdout: io.Discard, Stderr: io.Discard})
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

// A handler that sends a huge reply in pieces inside one callback (the
// writes gathered on the loop until it returns) is stopped by the memory
// cap as the gathered bytes grow: under a 32 MiB cap c:send raises
// "c:send: memory limit exceeded", the conn closes with 1011, and the
// server goes on.
func TestMemoryCapStopsHugeReply(t *testing.T) {
	errOut := &lockedBuf{}
	rt, err := runtime.New(runtime.Options{MaxMemory: 32 << 20, Stdout: io.Discard, Stderr: errOut,
		Budget: 30 * time.Second}) // copying 256 MiB takes seconds under -race
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		rt.Stop(ctx)
	})
	var addr string
	err = rt.Eval(context.Background(), "test", `MB = ("y"):rep(1024 * 1024)
srv = assert(ws.listen('ws://127.0.0.1:0/', {max_outbound = 1024 * 1024 * 1024, on_message = function(c, msg)
  if msg == 'big' then for i = 1, 256 do c:send(MB) end end -- 256 MiB
  c:send('ok')
end}))
return srv.addr`, func(_ *lua.LState, vals []lua.LValue) { addr = vals[0].String() })
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	goruntime.GC()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	c.WriteMessage(websocket.TextMessage, []byte("big"))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 1011 {
				t.Fatalf("want a close with 1011, got %v", err)
			}
			break
		}
	}
	goruntime.ReadMemStats(&after)
	// logged, not asserted: the 1 MiB copy each c:send makes of its
	// string and the watchdog stopping the handler before made it 60-115
	// MiB; with the check 50-85 (more under -race). What fails before is
	// who stops it: the watchdog ("memory limit exceeded" at the next
	// instruction), not c:send as the gathered bytes grow.
	t.Logf("refused after allocating %d MiB", (after.TotalAlloc-before.TotalAlloc)>>20)
	testkit.WaitFor(t, 5*time.Second, "the error in the log", func() bool { return strings.Contains(errOut.String(), "c:send: memory limit exceeded") })
	b, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	b.WriteMessage(websocket.TextMessage, []byte("hi"))
	if _, got, err := b.ReadMessage(); err != nil || string(got) != "ok" {
		t.Fatalf("after: %q %v", got, err)
	}
}

// lockedBuf is a log a runtime writes from several goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// On a loop VM a waiting handler holds the conn's later messages in its
// backlog: they count in the loop VM's inflow account, so a client
// streaming 48 MiB at a handler that waits stalls at the bound (before,
// the loop read and held all of it), and nothing is lost or reordered.
func TestLoopBacklogIsBounded(t *testing.T) {
	_, eval := rttest.Start(t, runtime.Options{Stdout: io.Discard, Stderr: io.Discard, Loops: 1})
	addr := eval(`srv = assert(ws.listen('ws://127.0.0.1:0/', {vm = 'loop', handler = 'testdata/flood_handler.lua', max_message = 1048576}))
return srv.addr`)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n, size = 12 << 10, 4 << 10 // 48 MiB
	var written atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		msg := make([]byte, size)
		c.SetWriteDeadline(time.Now().Add(30 * time.Second))
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
	var last int64 = -1
	testkit.WaitFor(t, 10*time.Second, "the writer to stall", func() bool {
		cur := written.Load()
		stalled := cur == last && cur > 0
		last = cur
		time.Sleep(100 * time.Millisecond)
		return stalled
	})
	if w := written.Load(); w > 24<<20 {
		t.Fatalf("the server took %d MiB of messages while the handler waited", w>>20)
	}
	if peak, _ := strconv.Atoi(eval("return stats().queued_bytes_peak")); peak > 1<<20+128<<10 || peak < 1<<19 {
		t.Errorf("queued_bytes_peak %d; want about the 1 MiB per-conn bound", peak)
	}
	eval(`shared.dict("flood"):set("release", true)`)
	if err := <-wrote; err != nil {
		t.Fatalf("writing: %v", err)
	}
	testkit.WaitFor(t, 20*time.Second, "every message handled", func() bool {
		return eval(`return tostring(shared.dict("flood"):get("seen"))`) == strconv.Itoa(n)
	})
	if got := eval(`return tostring(shared.dict("flood"):get("bad"))`); got != "0" {
		t.Fatalf("%s messages out of order", got)
	}
}
