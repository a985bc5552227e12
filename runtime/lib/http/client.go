package http

import (
	stdctx "context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
	lua "github.com/yuin/gopher-lua"
)

const clientType = "netplay.http.client"

// DefaultClientMaxBody bounds a response body the client reads into a Lua
// string.
const DefaultClientMaxBody = 64 << 20

// maxRedirects is Go's default CheckRedirect limit.
const maxRedirects = 10

// client is http.client{…}: Go Transport's pool plus Client's timeout and
// redirects. Its fields belong to the VM goroutine unless noted.
type client struct {
	v               host.VM
	pool            *Pool[*cconn] // safe for concurrent use
	disableKA       bool
	timeout         time.Duration
	headerTimeout   time.Duration
	followRedirects bool
	trace           bool
	limits          http1.Limits
	reapArmed       bool
}

// The options of http.client and of each request (luautil.Options).
var (
	clientOpts = luautil.NewOptions("http.client", "disable_keep_alives:boolean", "timeout:number",
		"response_header_timeout:number", "follow_redirects:boolean", "trace:boolean", "max_body_bytes:integer",
		"max_idle_conns:integer", "max_idle_conns_per_host:integer", "max_conns_per_host:integer", "idle_conn_timeout:number")
	requestOpts  = luautil.NewOptions("cl:request", "method:string", "url:string", "headers:table", "body:any", "ctx:context", "timeout:number")
	clGetOpts    = luautil.NewOptions("cl:get", "headers:table", "ctx:context", "timeout:number")
	clPostOpts   = luautil.NewOptions("cl:post", "headers:table", "ctx:context", "timeout:number")
	httpGetOpts  = luautil.NewOptions("http.get", "headers:table", "ctx:context", "timeout:number")
	httpPostOpts = luautil.NewOptions("http.post", "headers:table", "ctx:context", "timeout:number")
)

func newClient(v host.VM, L *lua.LState) int {
	o := clientOpts.Table(L, 1)
	cl := clientFromOptions(v, L, o)
	L.Push(cl.value(L))
	return 1
}

func clientFromOptions(v host.VM, L *lua.LState, o *lua.LTable) *client {
	cl := &client{
		v:               v,
		disableKA:       luautil.OptBool(L, o, "disable_keep_alives", false),
		timeout:         luautil.Seconds(luautil.OptNum(L, o, "timeout", 30)),
		headerTimeout:   luautil.Seconds(luautil.OptNum(L, o, "response_header_timeout", 0)),
		followRedirects: luautil.OptBool(L, o, "follow_redirects", true),
		trace:           luautil.OptBool(L, o, "trace", false),
		limits:          http1.Limits{MaxBodyBytes: int64(luautil.OptInt(L, o, "max_body_bytes", DefaultClientMaxBody))},
	}
	cfg := PoolConfig{
		MaxIdleConns:        luautil.OptInt(L, o, "max_idle_conns", DefaultMaxIdleConns),
		MaxIdleConnsPerHost: luautil.OptInt(L, o, "max_idle_conns_per_host", DefaultMaxIdleConnsPerHost),
		MaxConnsPerHost:     luautil.OptInt(L, o, "max_conns_per_host", 0),
		IdleConnTimeout:     luautil.Seconds(luautil.OptNum(L, o, "idle_conn_timeout", DefaultIdleConnTimeout.Seconds())),
		DisableKeepAlives:   cl.disableKA,
	}
	if cfg.IdleConnTimeout == 0 {
		cfg.IdleConnTimeout = -1 // 0 means no limit, as in Go
	}
	cl.pool = NewPool(cfg, func(cc *cconn) { cc.c.Close() })
	return cl
}

func (cl *client) value(L *lua.LState) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = cl
	L.SetMetatable(ud, L.GetTypeMetatable(clientType))
	return ud
}

// defaultKey keys a VM's default client (http.get, http.post).
type defaultKey struct{}

func defaultClient(v host.VM, L *lua.LState) *client {
	return v.Local(defaultKey{}, func() any { return clientFromOptions(v, L, L.NewTable()) }).(*client)
}

func checkClient(L *lua.LState) *client {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if cl, ok := ud.Value.(*client); ok {
			return cl
		}
	}
	L.ArgError(1, "http client expected")
	return nil
}

func openClientType(L *lua.LState) {
	mt := L.NewTypeMetatable(clientType)
	methods := L.NewTable()
	methods.RawSetString("get", luautil.ExactResults(L, func(L *lua.LState) int { return checkClient(L).get(L, 2, clGetOpts) }))
	methods.RawSetString("post", luautil.ExactResults(L, func(L *lua.LState) int { return checkClient(L).post(L, 2, clPostOpts) }))
	methods.RawSetString("request", luautil.ExactResults(L, func(L *lua.LState) int {
		cl := checkClient(L)
		o := L.CheckTable(2)
		requestOpts.Check(L, o)
		return cl.do(L, luautil.OptString(L, o, "method", "GET"), luautil.OptString(L, o, "url", ""), o.RawGetString("body"), o)
	}))
	methods.RawSetString("stats", L.NewFunction(func(L *lua.LState) int {
		cl := checkClient(L)
		t := L.NewTable()
		for k, s := range cl.pool.Stats() {
			h := L.NewTable()
			h.RawSetString("opened", lua.LNumber(s.Opened))
			h.RawSetString("reused", lua.LNumber(s.Reused))
			h.RawSetString("idle", lua.LNumber(s.Idle))
			h.RawSetString("active", lua.LNumber(s.Active))
			h.RawSetString("closed_idle", lua.LNumber(s.ClosedIdle))
			t.RawSetString(k, h)
		}
		L.Push(t)
		return 1
	}))
	methods.RawSetString("close_idle", L.NewFunction(func(L *lua.LState) int {
		checkClient(L).pool.CloseIdle()
		return 0
	}))
	L.SetField(mt, "__index", methods)
}

// get is cl:get(url, opts) with the url at stack index i; opts are
// checked against oo.
func (cl *client) get(L *lua.LState, i int, oo *luautil.Options) int {
	o := oo.Table(L, i+1)
	return cl.do(L, "GET", L.CheckString(i), lua.LNil, o)
}

// post is cl:post(url, body, opts).
func (cl *client) post(L *lua.LState, i int, oo *luautil.Options) int {
	o := oo.Table(L, i+2)
	return cl.do(L, "POST", L.CheckString(i), L.Get(i+1), o)
}

// do starts one request (with its retries and redirects) and suspends the
// calling coroutine until its response or error.
func (cl *client) do(L *lua.LState, method, rawURL string, body lua.LValue, o *lua.LTable) int {
	c := &call{cl: cl, method: strings.ToUpper(method)}
	if body != lua.LNil {
		c.body = luautil.ToString(L, body)
	}
	c.fields = appendFields(nil, o.RawGetString("headers"))
	if err := c.setURL(rawURL); err != nil {
		return pushErr(L, err)
	}
	timeout := cl.timeout
	if t, ok := o.RawGetString("timeout").(lua.LNumber); ok {
		timeout = luautil.Seconds(float64(t))
	}
	var ctx stdctx.Context
	if cv := o.RawGetString("ctx"); cv != lua.LNil {
		ud, ok := cv.(*lua.LUserData)
		if ok {
			ctx, ok = ud.Value.(stdctx.Context)
		}
		if !ok {
			L.RaiseError("option ctx: context expected")
		}
		if err := ctx.Err(); err != nil {
			return pushErr(L, err)
		}
	}
	return cl.v.Await(L, "http "+c.method, func(w host.Waker) {
		c.w = w
		if timeout > 0 {
			c.stopTimer = cl.v.After(timeout, func() { c.abort(stdctx.DeadlineExceeded) })
		}
		if ctx != nil {
			cl.v.Done(ctx, func() { c.abort(ctx.Err()) })
		}
		c.attempt()
	})
}

// errHeaderTimeout is Go's error for response_header_timeout.
var errHeaderTimeout = errors.New("net/http: timeout awaiting response headers")

// call is one request as the client works it: attempts, a retry, redirects.
// VM goroutine only.
type call struct {
	cl        *client
	method    string
	url       string // for trace and redirects
	u         *url.URL
	key       string // "http://host:port"
	body      string
	fields    []http1.Pair
	w         host.Waker
	stopTimer func() bool
	cancelW   func() bool // withdraws a wait in the pool
	conn      *cconn
	info      ConnInfo
	retried   bool
	redirects int
	finished  bool
}

func (c *call) setURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("http: %v", err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("http: unsupported protocol scheme %q in %q (only http)", u.Scheme, raw)
	}
	if u.Host == "" {
		return fmt.Errorf("http: no host in request URL %q", raw)
	}
	if u.Port() == "" {
		u.Host += ":80"
	}
	c.u, c.url, c.key = u, raw, "http://"+u.Host
	return nil
}

// attempt gets a conn for the request: idle, new, or after a wait.
func (c *call) attempt() {
	cl := c.cl
	g := cl.pool.Acquire(c.key, func(g Grant[*cconn]) { cl.v.Post(func() { c.granted(g) }) })
	if g.Kind == GrantWait {
		c.cancelW = g.Cancel
		return
	}
	c.granted(g)
}

func (c *call) granted(g Grant[*cconn]) {
	if c.finished {
		if g.Kind == GrantIdle {
			c.cl.pool.Release(c.key, g.Conn, true)
		} else if g.Kind == GrantDial {
			c.cl.pool.DialFailed(c.key)
		}
		return
	}
	switch g.Kind {
	case GrantIdle:
		c.info = ConnInfo{ID: g.Conn.c.ID(), Local: g.Conn.local, Reused: g.Reused, WasIdle: g.WasIdle, IdleTime: g.IdleTime}
		c.send(g.Conn)
	case GrantDial:
		c.dial()
	}
}

func (c *call) dial() {
	cl := c.cl
	e, err := cl.v.Engine()
	if err != nil {
		cl.pool.DialFailed(c.key)
		c.fail(err)
		return
	}
	h := &clientHandler{cl: cl, key: c.key, first: c}
	e.DialAsync("tcp://"+c.u.Host, h, reactor.DialConfig{Timeout: 30 * time.Second}, func(_ *reactor.Conn, err error) {
		if err != nil {
			cl.v.Post(func() {
				cl.pool.DialFailed(c.key)
				c.fail(fmt.Errorf("dial tcp %s: %v", c.u.Host, errors.Unwrap(err)))
			})
		}
	})
}

// send writes the request on cc.
func (c *call) send(cc *cconn) {
	c.conn = cc
	target := c.u.RequestURI()
	fs := make([]http1.Pair, 0, len(c.fields)+3)
	fs = append(fs, http1.Pair{Name: "Host", Value: c.u.Host}, http1.Pair{Name: "User-Agent", Value: "netplay"})
	for _, f := range c.fields {
		if !strings.EqualFold(f.Name, "host") {
			fs = append(fs, f)
		}
	}
	if c.cl.disableKA {
		fs = append(fs, http1.Pair{Name: "Connection", Value: "close"})
	}
	out, err := http1.AppendRequest(nil, c.method, target, fs, []byte(c.body))
	if err != nil {
		c.cl.pool.Release(c.key, cc, true)
		c.fail(err)
		return
	}
	cc.start(c, c.method == "HEAD")
	if d := c.cl.headerTimeout; d > 0 {
		c.cl.v.After(d, func() {
			if !c.finished && c.conn == cc && !cc.responding() {
				c.abort(errHeaderTimeout)
			}
		})
	}
	if err := cc.c.AsyncWrite(out, cc.written); err != nil {
		cc.abandon()
		c.connClosed(cc, false, false, err) // closed before a byte went out
	}
}

// done ends the call with a response table or an error. VM goroutine.
func (c *call) finish(vals ...lua.LValue) {
	if c.finished {
		return
	}
	c.finished = true
	if c.stopTimer != nil {
		c.stopTimer()
	}
	c.w.Wake(vals...)
}

func (c *call) fail(err error) {
	if c.cl.trace {
		c.cl.v.Print(TraceLine(c.method, c.url, 0, err, c.info) + "\n")
	}
	c.finish(lua.LNil, lua.LString(err.Error()))
}

// abort ends the call early (timeout, ctx): its conn is closed, not pooled.
func (c *call) abort(err error) {
	if c.finished {
		return
	}
	if c.cancelW != nil {
		c.cancelW()
	}
	if cc := c.conn; cc != nil && cc.current() == c {
		cc.c.CloseWithError(err)
	}
	c.fail(err)
}

// completed handles a whole response read from cc. VM goroutine.
func (c *call) completed(cc *cconn, r *result, reusable bool) {
	c.cl.pool.Release(c.key, cc, reusable)
	c.cl.scheduleReap()
	if c.finished {
		return
	}
	c.conn = nil
	if loc := r.location(); loc != "" && c.cl.followRedirects && isRedirect(r.status) {
		if c.redirects >= maxRedirects {
			c.fail(fmt.Errorf("stopped after %d redirects", maxRedirects))
			return
		}
		next, err := c.u.Parse(loc)
		if err == nil {
			err = c.setURL(next.String())
		}
		if err != nil {
			c.fail(err)
			return
		}
		if c.cl.trace {
			c.cl.v.Print(TraceLine(c.method, r.url, r.status, nil, c.info) + "\n")
		}
		c.redirects++
		if r.status == 303 || ((r.status == 301 || r.status == 302) && c.method == "POST") {
			if c.method != "HEAD" {
				c.method = "GET"
			}
			c.body = ""
		}
		c.retried, c.info = false, ConnInfo{}
		c.attempt()
		return
	}
	if c.cl.trace {
		c.cl.v.Print(TraceLine(c.method, c.url, r.status, nil, c.info) + "\n")
	}
	c.finish(r.table(c.cl.v.L(), c.info))
}

// connClosed handles cc closing under the request: retry once by Go's rule,
// or fail. VM goroutine.
func (c *call) connClosed(cc *cconn, wrote, gotBytes bool, err error) {
	if c.finished {
		return
	}
	c.conn = nil
	idem := Idempotent(c.method, hasField(c.fields, "idempotency-key") || hasField(c.fields, "x-idempotency-key"))
	if ShouldRetry(c.info.Reused, wrote, gotBytes, idem, c.retried) {
		c.retried = true
		c.info = ConnInfo{}
		c.attempt()
		return
	}
	if c.info.Reused && !gotBytes {
		err = ErrServerClosedIdle
	}
	if err == nil {
		err = errors.New("http: connection closed before the response")
	}
	c.fail(err)
}

func hasField(fs []http1.Pair, name string) bool {
	for _, f := range fs {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

func isRedirect(status int) bool {
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308
}

// scheduleReap arms one VM timer for the pool's next idle expiry.
func (cl *client) scheduleReap() {
	if cl.reapArmed {
		return
	}
	next := cl.pool.Reap()
	if next.IsZero() {
		return
	}
	cl.reapArmed = true
	cl.v.After(max(time.Until(next), time.Millisecond), func() {
		cl.reapArmed = false
		cl.scheduleReap()
	})
}
