package http

import (
	"errors"
	"strings"
	"sync"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
	lua "github.com/yuin/gopher-lua"
)

// cconn is one client conn. The request in flight and the decoder are
// shared by the VM (which starts a request) and the conn's loop (which
// reads its response), under mu.
type cconn struct {
	cl    *client
	key   string
	c     *reactor.Conn
	local string

	mu       sync.Mutex
	cur      *call
	dec      *http1.ResponseDecoder
	wrote    bool       // a byte of cur's request reached the socket
	gotBytes bool       // a byte of cur's response arrived
	tapRd    tap.Reader // the inbound bytes the taps saw (tap.go); loop goroutine
}

func (cc *cconn) start(c *call, head bool) {
	cc.mu.Lock()
	cc.cur, cc.wrote, cc.gotBytes = c, false, false
	cc.dec.SetHeadRequest(head)
	cc.mu.Unlock()
}

func (cc *cconn) current() *call {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.cur
}

// responding reports whether a byte of the current response has arrived.
func (cc *cconn) responding() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.gotBytes
}

func (cc *cconn) abandon() {
	cc.mu.Lock()
	cc.cur = nil
	cc.mu.Unlock()
}

// written is the AsyncWrite callback of a request. Loop goroutine.
func (cc *cconn) written(_ *reactor.Conn, err error) {
	if err == nil {
		cc.mu.Lock()
		cc.wrote = true
		cc.mu.Unlock()
	}
}

// clientHandler is the reactor.Handler of the conns one client dials.
type clientHandler struct {
	reactor.BaseHandler
	cl    *client
	key   string
	first *call // the request the conn was dialed for
}

func (h *clientHandler) OnOpen(rc *reactor.Conn) reactor.Action {
	cc := &cconn{cl: h.cl, key: h.key, c: rc, local: rc.LocalAddr().String(), dec: http1.NewResponseDecoder(h.cl.limits)}
	rc.SetContext(cc)
	cl, c := h.cl, h.first
	cl.v.Post(func() {
		cl.pool.Dialed(h.key, cc)
		if c.finished { // canceled while dialing: the conn is still good
			cl.pool.Release(h.key, cc, !cl.disableKA)
			cl.scheduleReap()
			return
		}
		c.info = ConnInfo{ID: rc.ID(), Local: cc.local}
		c.send(cc)
	})
	return reactor.None
}

var errUnsolicited = errors.New("http: unsolicited response on an idle conn")

func (h *clientHandler) OnTraffic(rc *reactor.Conn) reactor.Action {
	cc, ok := rc.Context().(*cconn)
	if !ok {
		return reactor.Close
	}
	if h.cl.taps.Active() {
		buf, _ := rc.Peek(0)
		cc.tapRd.In(&h.cl.taps, rc, buf, rc.Info().BytesIn, false)
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for {
		c := cc.cur
		buf, _ := rc.Peek(0)
		if len(buf) == 0 {
			return reactor.None
		}
		if c == nil {
			rc.CloseWithError(errUnsolicited)
			return reactor.None
		}
		cc.gotBytes = true
		res, n, err := cc.dec.Decode(buf)
		if err != nil {
			cc.cur = nil
			rc.CloseWithError(err)
			h.cl.v.Post(func() { c.fail(err) })
			return reactor.None
		}
		if res == nil {
			rc.Discard(n)
			if n == 0 {
				return reactor.None
			}
			continue
		}
		r := copyResult(res, c.url)
		rc.Discard(n)
		cc.cur = nil
		reusable := !res.Close && !h.cl.disableKA && res.Status != 101
		h.cl.v.Post(func() { c.completed(cc, r, reusable) })
	}
}

func (h *clientHandler) OnClose(rc *reactor.Conn, err error) {
	h.cl.taps.Closed(rc)
	cc, ok := rc.Context().(*cconn)
	if !ok {
		return
	}
	cc.mu.Lock()
	c, wrote, got := cc.cur, cc.wrote, cc.gotBytes
	cc.cur = nil
	var r *result
	if c != nil {
		if res, _ := cc.dec.EOF(); res != nil { // a body ended by the close
			r = copyResult(res, c.url)
		}
	}
	cc.mu.Unlock()
	h.cl.v.Post(func() {
		if r != nil {
			c.completed(cc, r, false)
			return
		}
		h.cl.pool.Remove(h.key, cc)
		if c != nil {
			c.connClosed(cc, wrote, got, err)
		}
	})
}

// result is a response copied off the loop's buffer.
type result struct {
	url    string
	status int
	minor  int
	header [][2]string
	body   string
}

func copyResult(r *http1.Response, url string) *result {
	out := &result{url: url, status: r.Status, minor: r.Minor, body: string(r.Body), header: make([][2]string, len(r.Header))}
	for i, f := range r.Header {
		out.header[i] = [2]string{string(f.Name), string(f.Value)}
	}
	return out
}

func (r *result) location() string {
	for _, f := range r.header {
		if strings.EqualFold(f[0], "location") {
			return f[1]
		}
	}
	return ""
}

// table builds res for Lua. VM goroutine.
func (r *result) table(L *lua.LState, ci ConnInfo) *lua.LTable {
	t := L.CreateTable(0, 12)
	t.RawSetString("status", lua.LNumber(r.status))
	t.RawSetString("version", lua.LString("HTTP/1."+string(rune('0'+r.minor))))
	h := L.CreateTable(0, len(r.header))
	for _, f := range r.header {
		k := strings.ToLower(f[0])
		if prev, ok := h.RawGetString(k).(lua.LString); ok {
			h.RawSetString(k, prev+", "+lua.LString(f[1]))
		} else {
			h.RawSetString(k, lua.LString(f[1]))
		}
	}
	t.RawSetString("headers", h)
	t.RawSetString("body", lua.LString(r.body))
	t.RawSetString("url", lua.LString(r.url))
	t.RawSetString("reused", lua.LBool(ci.Reused))
	t.RawSetString("was_idle", lua.LBool(ci.WasIdle))
	t.RawSetString("idle_time", lua.LNumber(ci.IdleTime.Seconds()))
	t.RawSetString("conn_id", lua.LNumber(ci.ID))
	t.RawSetString("local", lua.LString(ci.Local))
	return t
}
