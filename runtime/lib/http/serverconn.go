package http

import (
	stdctx "context"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/codecs/http1"
	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/inflow"
	"github.com/netplay-lab/netplay/runtime/lib/tap"
	lua "github.com/yuin/gopher-lua"
)

// sconn is one server conn. Fields are the loop goroutine's unless noted;
// the request being handled belongs to the VM running the handler.
type sconn struct {
	s   *server
	c   *reactor.Conn
	v   host.VM // the VM running this conn's handler
	ch  host.ConnHost
	own *reactor.Loop // v's loop when v is a loop VM
	fn  *lua.LFunction

	dec     *http1.RequestDecoder
	timer   *ConnTimer
	tm      *reactor.Timer
	tmAt    time.Time
	n       int  // requests this conn has carried
	busy    bool // a request is with the handler
	closing bool
	pumping bool
	sent100 bool
	// upgraded: the conn was handed to up (ws.upgrade); HTTP is done with it.
	upgraded bool
	up       Takeover

	// in bounds what the peer sent that waits for the handler: the request
	// with it and the pipelined ones behind it in the inbound buffer, as
	// net.listen bounds its frames (runtime/internal/inflow); counted and
	// reqBytes are the loop's, what in holds now and the request's size.
	in                inflow.Conn
	counted, reqBytes int64
	countedReq        int64

	queued atomic.Int32 // events waiting in the script VM's queue
	gone   atomic.Bool  // the conn has closed (read by the handler's VM)
	remote string       // the peer's address, formatted once
	tapRd  tap.Reader   // the inbound bytes the taps saw (tap.go)

	// Reused by the handler's VM from response to response (one request
	// at a time per conn): the fields and the bytes of a direct write.
	fields   []http1.Pair
	scratch  []byte
	next     *request // the request dispatch hands to callNext
	callNext func()
	rctx     ctxSlot    // the request under way's req.ctx, once read
	ctxMT    lua.LValue // req.ctx's metatable, fetched on the conn's first read
}

// server is the reactor.Handler of one http.listen.
type server struct {
	reactor.BaseHandler
	v         host.VM // the script VM
	opts      serverOptions
	fn        *lua.LFunction // script mode: the handler
	keepAlive atomic.Bool
	active    atomic.Int64
	conns     connSet
	upgraded  upgradedSet    // conns taken over (ws.upgrade), told of a shutdown
	taps      tap.Set        // net.tap, :tap (tap.go)
	ctx       stdctx.Context // cancelled when the server shuts down
	cancel    stdctx.CancelFunc
	onDown    func() // runs on the script VM once the listener is gone
}

func (s *server) OnOpen(c *reactor.Conn) reactor.Action {
	now := time.Now()
	if n := s.active.Add(1); s.opts.maxConns > 0 && n > int64(s.opts.maxConns) {
		c.SetContext((*sconn)(nil))
		out, _ := http1.AppendResponse(nil, 503, []http1.Pair{{Name: "Date", Value: serverDate.get(now)}, {Name: "Server", Value: "netplay"}, {Name: "Connection", Value: "close"}},
			[]byte("server at max_conns\n"), false)
		c.Write(out)
		s.tapRefused(c, out)
		return reactor.Close
	}
	st := &sconn{s: s, c: c, dec: http1.NewRequestDecoder(s.opts.limits), timer: NewConnTimer(s.opts.timeouts, now),
		remote: c.RemoteAddr().String()}
	if s.opts.loopMode {
		st.v = s.v.Conns().LoopVM(c.Loop())
		fn, err := loopHandler(st.v, s.opts.handler)
		if err != nil {
			s.v.Logf("%v", err)
			return reactor.Close
		}
		st.fn = fn
	} else {
		st.v, st.fn = s.v, s.fn
	}
	st.ch = st.v.Conns()
	st.own = st.ch.OwnLoop()
	st.in.Init(inflow.Of(st.v), c)
	c.SetContext(st)
	s.conns.add(st)
	st.rearm(now)
	return reactor.None
}

func (s *server) OnTraffic(c *reactor.Conn) reactor.Action {
	if st, ok := c.Context().(*sconn); ok && st != nil {
		if s.taps.Active() {
			st.tapIn()
		}
		if st.upgraded {
			if st.up == nil {
				return reactor.None
			}
			return st.up.OnTraffic(c)
		}
		st.pump()
	}
	return reactor.None
}

func (s *server) OnClose(c *reactor.Conn, err error) {
	s.taps.Closed(c)
	st, ok := c.Context().(*sconn)
	if ok && st != nil && st.upgraded {
		st.gone.Store(true)
		if st.up != nil {
			s.upgraded.remove(st.up)
			st.up.OnClose(c, err)
		}
		return // no longer counted: takeover did that
	}
	s.active.Add(-1)
	if !ok || st == nil {
		return
	}
	st.closing = true
	st.gone.Store(true)
	if st.tm != nil {
		st.tm.Stop()
	}
	st.cancelCtx()
	s.conns.remove(st)
	st.releaseInflow()
}

func (s *server) OnShutdown(*reactor.Listener) {
	s.cancel()
	if s.onDown != nil {
		s.v.Post(s.onDown)
	}
}

// pump decodes buffered requests and hands them to the handler, one at a
// time: the next request is decoded only once the previous response is
// out, so pipelined requests are answered in order.
func (st *sconn) pump() {
	if st.pumping {
		return
	}
	st.pumping = true
	defer func() { st.pumping = false }()
	c := st.c
	for !st.busy && !st.closing {
		buf, _ := c.Peek(0)
		if len(buf) == 0 {
			break
		}
		now := time.Now()
		st.timer.Bytes(now)
		req, n, err := st.dec.Decode(buf)
		if err != nil {
			st.fail(err)
			break
		}
		if req == nil {
			c.Discard(n)
			if p := st.dec.Pending(); p != nil {
				if st.timer.Phase() == PhaseHeader {
					st.timer.HeadDone(now, true)
				}
				if p.ExpectContinue && !st.sent100 {
					st.sent100 = true
					cont := []byte("HTTP/1.1 100 Continue\r\n\r\n")
					st.tapOut(cont)
					c.Write(cont)
				}
			}
			if n == 0 {
				break
			}
			continue
		}
		if st.timer.Phase() == PhaseBody {
			st.timer.BodyDone(now)
		} else {
			st.timer.HeadDone(now, false)
		}
		r := st.copyRequest(req)
		c.Discard(n)
		st.sent100 = false
		st.n++
		r.n = st.n
		st.busy = true
		st.reqBytes = int64(n)
		st.dispatch(r)
	}
	st.account()
	st.rearm(time.Now())
}

// account brings st's inflow account up to what waits now: the request
// with the handler and the bytes buffered behind it. Past the bound the
// conn's reads pause; the pump after the response brings it down and
// resumes them. Loop goroutine.
func (st *sconn) account() {
	if st.closing {
		return
	}
	var req int64
	if st.busy {
		req = 1
	}
	b := int64(st.c.InboundBuffered()) + st.reqBytes
	st.in.Add(b-st.counted, req-st.countedReq)
	st.counted, st.countedReq = b, req
}

// releaseInflow takes what st counts off its VM's account: the conn has
// closed or left HTTP (ws.upgrade). Loop goroutine.
func (st *sconn) releaseInflow() {
	st.in.Add(-st.counted, -st.countedReq)
	st.counted, st.countedReq, st.reqBytes = 0, 0, 0
	st.in.Forget()
}

// fail answers a malformed request with its status and closes the conn.
func (st *sconn) fail(err error) {
	status, msg := 400, err.Error()
	if e, ok := err.(*http1.Error); ok {
		status = e.Status
	}
	out, _ := http1.AppendResponse(nil, status, st.s.baseFields(time.Now(), "close", true), []byte(msg+"\n"), false)
	st.tapOut(out)
	st.c.Write(out)
	st.closing = true
	st.c.Close()
}

// run executes fn on st's VM: inline when that VM can run on this loop
// now, else through its queue (behind this conn's earlier events).
func (st *sconn) run(fn func()) {
	if st.own == st.c.Loop() || st.ch.Enter(st.c.Loop(), &st.queued) {
		safely(st.v, fn)
		if st.own != st.c.Loop() {
			st.ch.Leave()
		}
		return
	}
	st.queued.Add(1)
	st.ch.PostConn(func() {
		st.queued.Add(-1)
		fn()
	})
}

func safely(v host.VM, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			v.Logf("recovered panic: %v", r)
		}
	}()
	fn()
}

// responseDone runs on the loop once a response has been handed to the
// conn: close, or wait for (and pump) the next request.
func (st *sconn) responseDone(closeAfter bool) {
	st.busy, st.reqBytes = false, 0
	if st.closing {
		return
	}
	if closeAfter {
		st.closing = true
		st.c.Close()
		return
	}
	now := time.Now()
	st.timer.ResponseDone(now)
	st.pump() // also re-arms the timer
}

// rearm keeps one loop timer armed no later than the conn's deadline. A
// timer firing early (the phase moved on) re-arms for the new deadline, so
// a request costs no timer operation while deadlines only move later.
func (st *sconn) rearm(now time.Time) {
	at, why := st.timer.Deadline()
	if why == ExpiryNone || st.closing {
		return
	}
	if st.tm != nil && !st.tmAt.After(at) {
		return // armed earlier; it re-arms when it fires
	}
	if st.tm != nil {
		st.tm.Stop()
	}
	st.tmAt = at
	st.tm = st.c.Loop().AfterFunc(max(at.Sub(now), time.Millisecond), st.expire)
}

// expire runs on the loop when the armed deadline passes.
func (st *sconn) expire() {
	st.tm = nil
	if st.closing {
		return
	}
	now := time.Now()
	e := st.timer.Expired(now)
	if e == ExpiryNone {
		st.rearm(now)
		return
	}
	st.closing = true
	if st.timer.Answer408(e) && !st.busy {
		out, _ := http1.AppendResponse(nil, 408, st.s.baseFields(now, "close", true), []byte(e.String()+" exceeded\n"), false)
		st.tapOut(out)
		st.c.Write(out)
		st.c.Close()
		return
	}
	st.c.CloseWithError(timeoutError(e))
}

type timeoutError Expiry

func (e timeoutError) Error() string { return "http: " + Expiry(e).String() + " exceeded" }

// closeIfIdle closes st when no request is under way (keep-alives were just
// turned off). Loop goroutine.
func (st *sconn) closeIfIdle() {
	if ph := st.timer.Phase(); !st.busy && !st.closing && (ph == PhaseIdle || ph == PhaseNew) {
		st.closing = true
		st.c.Close()
	}
}
