package ws

import (
	"errors"
	"fmt"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	nphttp "github.com/netplay-lab/netplay/runtime/lib/http"
	lua "github.com/yuin/gopher-lua"
)

// Adopt takes over rc, whose upgrade request head another server (an
// http.listen handler) has read, on rc's loop: it validates head as
// ws.listen does, writes the 101 or the refusal (400, 405, 426) and, on
// success, reports EvOpen and feeds the frames already buffered after the
// request. It returns the conn's takeover, or nil when the handshake was
// refused (the caller closes rc once the refusal is out). The conn belongs
// to a server of its own: Broadcast and Conns see this conn only. Loop
// goroutine.
func Adopt(rc *reactor.Conn, head *wsc.Head, opts ServerOptions, h ServerHandlers) *Adopted {
	s := &Server{opts: opts, h: h, conns: map[*SConn]struct{}{},
		scratch: map[*reactor.Loop]*[]byte{rc.Loop(): new([]byte)}}
	c := &SConn{rc: rc, sc: NewServerConn(&s.opts), srv: s}
	c.beginCallback()
	if c.sc.Accept(time.Now(), head, c.out, c.emit) {
		c.endCallback(true) // writes the refusal
		return nil
	}
	a := &Adopted{c: c}
	if c.endCallback(false) == reactor.Close { // the 101 and on_open's sends, in that order
		rc.Close()
		return a
	}
	if rc.InboundBuffered() > 0 {
		if a.OnTraffic(rc) == reactor.Close {
			rc.Close()
		}
	}
	return a
}

// Adopted is a WebSocket conn taken over from an HTTP server: the HTTP
// server passes it the conn's traffic and close. Its zero value is not
// usable; Adopt makes one.
type Adopted struct{ c *SConn }

// Conn returns the WebSocket conn.
func (a *Adopted) Conn() *SConn { return a.c }

// OnTraffic feeds the frames buffered on rc. Loop goroutine.
func (a *Adopted) OnTraffic(*reactor.Conn) reactor.Action { return a.c.traffic() }

// GoingAway sends a 1001 close: the HTTP server shuts down. Safe for
// concurrent use.
func (a *Adopted) GoingAway() { a.c.Close(wsc.CloseGoingAway, "server shutting down") }

// OnClose reports the end of the TCP conn. Loop goroutine.
func (a *Adopted) OnClose(_ *reactor.Conn, err error) { a.c.closed(err) }

// defaultMaxOutbound is max_outbound's default: room for a reply as large
// as the largest message (an echo), twice over, so max_message and the
// outbound cap agree.
func defaultMaxOutbound(maxMessage int64) int {
	if maxMessage <= 0 {
		maxMessage = wsc.DefaultMaxMessage
	}
	return int(max(4<<20, 2*maxMessage+1<<20))
}

// wsUpgrade is ws.upgrade(req, opts): from an http.listen handler, turn
// its conn into a WebSocket conn once the handler returns.
func wsUpgrade(v host.VM, L *lua.LState) int {
	reqV := L.Get(1)
	o := luautil.OptTable(L, 2)
	opts := readServerOptions(L, o)
	h := &luaServerH{v: v, cb: readServerCallbacks(L, o)}
	switch v.Kind() {
	case host.Script:
	case host.Loop:
		h.loopVM = v // the http server's loop VM: the conn is on its loop
	default:
		L.RaiseError("ws.upgrade: only from an http.listen handler on the script VM or a loop VM")
	}
	opts.KeepRequest = h.cb.onOpen != nil
	// The conn leaves http.listen's limits for these (docs/websocket.md,
	// "Counting and limits").
	maxConns := luautil.OptInt(L, o, "max_conns", reactor.DefaultListenMaxConns)
	maxOutbound := luautil.OptInt(L, o, "max_outbound", defaultMaxOutbound(opts.MaxMessage))
	var head *wsc.Head
	up, err := nphttp.Hijack(reqV, maxConns, func(rc *reactor.Conn) nphttp.Takeover {
		rc.SetMaxOutbound(maxOutbound) // before the 101 and on_open's sends
		if a := Adopt(rc, head, opts, h); a != nil {
			return a
		}
		return nil // refused: the HTTP server closes the conn after the answer
	})
	if errors.Is(err, nphttp.ErrUpgradeLimit) {
		return pushErr(L, fmt.Errorf("ws.upgrade: max_conns: %d upgraded conns of this server are open", maxConns))
	}
	if err != nil {
		L.RaiseError("ws.upgrade: %v", err)
	}
	head = &wsc.Head{Method: up.Method, Target: up.Target, Proto: "HTTP/1." + string(rune('0'+up.Minor))}
	head.Fields = make([]wsc.Field, len(up.Header))
	for i, f := range up.Header {
		head.Fields[i] = wsc.Field{Name: f[0], Value: f[1]}
	}
	// Checked here too, so the handler learns of a refusal (Adopt answers
	// it on the loop with the same status).
	if _, err := wsc.CheckUpgrade(head.Method, head); err != nil {
		return pushErr(L, err)
	}
	L.Push(lua.LTrue)
	return 1
}
