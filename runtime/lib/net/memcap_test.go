package net_test

import (
	"bufio"
	"io"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// A handler that sends a huge reply in pieces (c:send in a loop, the
// replies batched until the handler returns) is stopped by the memory cap
// as its batch grows, not after: under a 32 MiB cap c:send raises
// "c:send: memory limit exceeded" before the batch passes the cap, the
// conn closes with that error, and the server goes on.
func TestMemoryCapStopsHugeReply(t *testing.T) {
	_, eval := rttest.Start(t, runtime.Options{MaxMemory: 32 << 20, Stdout: io.Discard, Stderr: io.Discard,
		Budget: 30 * time.Second})
	addr := eval(`MB = ("y"):rep(1024 * 1024)
srv = assert(net.listen('tcp://127.0.0.1:0', {codec = codec.line{max_length = 2 * 1024 * 1024}, max_outbound = 1024 * 1024 * 1024,
  on_message = function(c, msg)
    if msg == 'big' then for i = 1, 256 do c:send(MB) end end -- 256 MiB
    c:send('ok')
  end,
  on_close = function(c, err) closed = tostring(err) end}))
return srv.addr`)
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	goruntime.GC()
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	io.WriteString(c, "big\n")
	testkit.WaitFor(t, 10*time.Second, "the conn to close", func() bool { return eval("return tostring(closed)") != "nil" })
	goruntime.ReadMemStats(&after)
	if got := eval("return closed"); !strings.Contains(got, "c:send: memory limit exceeded") {
		t.Errorf("on_close got %q; want c:send: memory limit exceeded", got)
	}
	// the batch's doublings (under the cap) and the copy of what was
	// batched into the conn's outbound buffer; before: 70 MiB, until
	// the watchdog stopped the handler
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("allocated %d MiB under a 32 MiB cap", grew>>20)
	}
	// the server goes on
	b, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(b, "hi\n")
	if line, err := bufio.NewReader(b).ReadString('\n'); err != nil || line != "ok\n" {
		t.Fatalf("after: %q %v", line, err)
	}
}
