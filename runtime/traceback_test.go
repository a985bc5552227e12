package runtime

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// lockedBuffer is a bytes.Buffer safe for the runtime's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestCallbackTracebacksNameTheCallback: a failing WebSocket handler,
// HTTP handler or timer callback is named in its traceback, never by the
// local of netplay's chunk that called it.
func TestCallbackTracebacksNameTheCallback(t *testing.T) {
	var out, errOut lockedBuffer
	rt, err := New(Options{Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Stop(context.Background())
	err = rt.RunString("tb.lua", `
local w = ws.listen('ws://127.0.0.1:0/', {
  on_message = function(c, m) error('ws boom') end,
  on_close = function(c) error('ws bye') end})
local h = http.listen('http://127.0.0.1:0', function(req) error('http boom') end)
timer.after(0, function() error('timer boom') end)
local cl = ws.dial('ws://' .. w.addr .. '/', {reconnect = false})
cl:send('x')
http.get('http://' .. h.addr .. '/')
sleep(0.2)
cl:close()
`)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "four callback errors logged", func() bool {
		e := errOut.String()
		return strings.Contains(e, "ws boom") && strings.Contains(e, "http boom") && strings.Contains(e, "timer boom") && strings.Contains(e, "ws bye")
	})
	e := errOut.String()
	if strings.Contains(e, "in function 'fn'") || strings.Contains(e, "in function 'callback'") {
		t.Errorf("a traceback names netplay's local:\n%s", e)
	}
	for _, want := range []string{"tb.lua:3: in function 'on_message'", "tb.lua:4: in function 'on_close'",
		"tb.lua:5: in function 'handler'", "tb.lua:6: in function 'timer callback'"} {
		if !strings.Contains(e, want) {
			t.Errorf("no %q in:\n%s", want, e)
		}
	}
}
