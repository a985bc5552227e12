package ws_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// limitsServer is an http.listen whose own limits are tiny (max_conns 1,
// so its listener closes conns past 1 + 64 at accept; max_outbound 64 KiB)
// and whose upgrades bring their own: /ws max_conns 70, max_outbound
// 300000; /small max_outbound 100000. c:send runs in a go() coroutine so
// it queues through AsyncWrite, where the cap is checked at once.
const limitsServer = `
function up(req, max_outbound)
  return ws.upgrade(req, {max_conns = 70, max_outbound = max_outbound,
    on_message = function(c, msg)
      if msg ~= 'big' then c:send(msg) return end
      go(function()
        local ok, err = c:send_binary(string.rep('x', 200000))
        results[#results + 1] = tostring(ok) .. ' ' .. tostring(err)
      end)
    end})
end
results = {}
srv = assert(http.listen('http://127.0.0.1:0', function(req)
  if req.path == '/ws' or req.path == '/small' then
    local ok, err = up(req, req.path == '/ws' and 300000 or 100000)
    if not ok then return 503, nil, err end
    return
  end
  return 200, nil, 'page'
end, {max_conns = 1, max_outbound = 65536}))
return srv.addr`

// TestUpgradeLimits: an upgraded conn leaves http.listen's max_conns, its
// listener's cap and its max_outbound, and counts under ws.upgrade's
// max_conns and max_outbound instead.
func TestUpgradeLimits(t *testing.T) {
	l := newUpLab(t)
	addr := l.eval(limitsServer)
	d := websocket.Dialer{HandshakeTimeout: 3 * time.Second}
	var conns []*websocket.Conn
	for i := range 70 { // past the listener's cap of 1 + 64
		c, _, err := d.Dial("ws://"+addr+"/ws", nil)
		if err != nil {
			t.Fatalf("upgrade %d: %v", i+1, err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	if got := l.eval("local s = srv:stats() return s.active .. ' ' .. s.upgraded"); got != "0 70" {
		t.Fatalf("stats active, upgraded = %s, want 0 70", got)
	}
	_, resp, err := d.Dial("ws://"+addr+"/ws", nil)
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("71st upgrade: %v, %v; want a 503 from the handler", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "max_conns: 70 upgraded conns") {
		t.Fatalf("503 body %q does not name the limit", body)
	}
	// Plain HTTP still works: the WebSockets are not HTTP conns. (The 71st
	// attempt's conn is an HTTP conn until the server sees the dialer
	// close it after the 503: wait for that, as max_conns is 1.)
	waitUntil(t, "the refused attempt's conn to close", 3*time.Second, func() bool {
		return l.eval("local s = srv:stats() return s.active .. ' ' .. s.upgraded") == "0 70"
	})
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := hc.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(page) != "page" {
		t.Fatalf("GET / with 70 WebSockets open: %d %q", res.StatusCode, page)
	}
	// A closed WebSocket gives its place back.
	conns[0].Close()
	// (And the GET's conn is gone: http.listen's max_conns is 1.)
	waitUntil(t, "the counts to drop", 3*time.Second, func() bool {
		return l.eval("local s = srv:stats() return s.active .. ' ' .. s.upgraded") == "0 69"
	})

	// max_outbound: ws.upgrade's, not http.listen's 64 KiB.
	c := conns[1]
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	c.WriteMessage(websocket.TextMessage, []byte("big"))
	if _, m, err := c.ReadMessage(); err != nil || len(m) != 200000 {
		t.Fatalf("200000-byte reply under max_outbound 300000: %d bytes, %v", len(m), err)
	}
	small, _, err := d.Dial("ws://"+addr+"/small", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	small.SetReadDeadline(time.Now().Add(5 * time.Second))
	small.WriteMessage(websocket.TextMessage, []byte("big"))
	if _, _, err := small.ReadMessage(); err == nil {
		t.Fatal("a 200000-byte reply went out past max_outbound 100000")
	}
	waitUntil(t, "both results", 3*time.Second, func() bool { return l.eval("return #results") == "2" })
	// Queued either way; "backpressure" when the 200000 bytes still wait.
	if got := l.eval("return results[1]"); got != "true nil" && got != "false backpressure" {
		t.Fatalf("send under the cap: %s", got)
	}
	if got := l.eval("return results[2]"); !strings.Contains(got, "100000") {
		t.Fatalf("send past the cap: %q, want an error naming 100000", got)
	}
}
