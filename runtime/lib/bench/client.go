package bench

import (
	"errors"
	"syscall"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// stamp is one request in flight: when it should have been sent (the
// latency's start; the same as sent in a closed loop) and when it was.
type stamp struct{ due, sent int64 }

// client is one bench conn and its reactor handler. It keeps its state
// across reconnects; every method runs on the loop that owns the conn.
type client struct {
	reactor.BaseHandler
	r       *runner
	ls      *loopState
	conn    *reactor.Conn
	p       proto
	id      int
	idx     int  // position in ls.clients
	initial bool // the first dial has not reported to r.dialRes yet
	ready   bool // connected and past the handshake
	self    bool // we closed the conn: lost requests count as "closed"
	retry   bool // the server announced the close: requests after it go again

	ring       []stamp // requests in flight, oldest at head
	head, n    int
	seq, rseq  uint64
	wbuf, out  []byte
	progressed bool // a reply arrived since the last (re)connect
}

var errTimeout = errors.New("request timed out")

// report tells dialAll how the first dial ended (once; later calls do
// nothing).
func (cl *client) report(err error) {
	if cl.initial {
		cl.initial = false
		cl.r.dialRes <- err
	}
}

// dialed is the DialAsync callback.
func (cl *client) dialed(c *reactor.Conn, err error) {
	if err == nil {
		return // OnOpen has run
	}
	if cl.initial {
		cl.report(err)
		return
	}
	r := cl.r
	if r.stopping.Load() {
		return
	}
	// A failed reconnect: count it and try again a little later.
	r.redialErrs.Add(1)
	time.AfterFunc(100*time.Millisecond, func() {
		if !r.stopping.Load() {
			r.eng.DialAsync(r.tgt.dial, cl, r.dcfg, cl.dialed)
		}
	})
}

// OnOpen joins the conn to its loop's list and sends the handshake.
func (cl *client) OnOpen(c *reactor.Conn) reactor.Action {
	cl.conn, cl.self, cl.retry, cl.progressed = c, false, false, false
	if !cl.initial {
		cl.p = cl.r.newProto(cl.id) // a fresh decoder (and ws key) for the new conn
	}
	cl.ls = cl.r.loops[c.Loop().Index()]
	cl.idx = len(cl.ls.clients)
	cl.ls.clients = append(cl.ls.clients, cl)
	cl.head, cl.n = 0, 0
	if h := cl.p.hello(); h != nil {
		if _, err := c.Write(h); err != nil {
			return reactor.Close
		}
		return reactor.None
	}
	cl.becomeReady()
	return reactor.None
}

// becomeReady starts sending on a conn that connected (and upgraded)
// after the run started: a reconnect, or a first dial that outlasted
// dialAll's wait. A second fill for the same conn sends nothing more.
func (cl *client) becomeReady() {
	cl.ready = true
	cl.report(nil)
	if cl.r.started.Load() && !cl.r.stopping.Load() {
		now := cl.r.now()
		if cl.r.cfg.Rate > 0 {
			cl.ls.dispatchDue(now)
		} else {
			cl.fill(now)
		}
	}
}

// fill sends requests until depth are in flight (closed loop).
func (cl *client) fill(now int64) {
	k := cl.r.take(len(cl.ring) - cl.n)
	for i := 0; i < k; i++ {
		cl.add(now, now)
	}
	cl.flush()
}

// add appends the next request to wbuf; flush sends it.
func (cl *client) add(due, now int64) {
	cl.wbuf = cl.p.request(cl.wbuf, cl.seq)
	cl.seq++
	cl.ring[(cl.head+cl.n)%len(cl.ring)] = stamp{due: due, sent: now}
	cl.n++
}

func (cl *client) flush() {
	if len(cl.wbuf) == 0 {
		return
	}
	cl.conn.Write(cl.wbuf) // a failed write closes the conn: OnClose counts the loss
	cl.wbuf = cl.wbuf[:0]
}

// OnTraffic settles every complete reply and sends what may follow.
func (cl *client) OnTraffic(c *reactor.Conn) reactor.Action {
	r := cl.r
	if r.stopping.Load() {
		c.Discard(-1)
		return reactor.None
	}
	in, _ := c.Peek(-1)
	if !cl.ready {
		n, done, err := cl.p.helloReply(in)
		if err != nil {
			if cl.initial {
				cl.report(err)
			} else {
				cl.countErr("handshake", 1)
			}
			cl.self = true
			return reactor.Close
		}
		c.Discard(n)
		if !done {
			return reactor.None
		}
		cl.becomeReady()
		in, _ = c.Peek(-1)
	}
	now := r.now()
	ls := cl.ls
	var ok, bad int64
	used := 0
	fatal := false
	for len(in) > 0 {
		rep := cl.p.reply(in, cl.rseq, &cl.out)
		if rep.n == 0 && rep.kind == "" {
			break
		}
		in = in[rep.n:]
		used += rep.n
		if rep.skip {
			continue
		}
		if cl.n == 0 {
			ls.kinds["unexpected"]++
			bad++
			fatal = true
			break
		}
		st := cl.ring[cl.head]
		cl.head = (cl.head + 1) % len(cl.ring)
		cl.n--
		cl.rseq++
		if rep.kind == "" {
			ls.hist.RecordValue(min(now-st.due, maxLatency))
			ok++
		} else {
			ls.kinds[rep.kind]++
			bad++
		}
		if rep.fatal {
			fatal = true
			break
		}
	}
	c.Discard(used)
	if len(cl.out) > 0 {
		c.Write(cl.out)
		cl.out = cl.out[:0]
	}
	if ok > 0 {
		ls.ok.Add(ok)
		cl.progressed = true
	}
	if bad > 0 {
		ls.errs.Add(bad)
	}
	r.settle(ok + bad)
	if hp, isHTTP := cl.p.(*httpProto); fatal || (isHTTP && hp.close) {
		if isHTTP && hp.close {
			hp.close = false
			cl.retry = !fatal
		}
		cl.self = true
		return reactor.Close
	}
	if r.stopping.Load() {
		return reactor.None
	}
	if r.cfg.Rate > 0 {
		ls.dispatchDue(now)
	} else {
		cl.fill(now)
	}
	return reactor.None
}

// OnClose counts the requests the conn took with it and dials again.
func (cl *client) OnClose(c *reactor.Conn, err error) {
	ls := cl.ls
	last := len(ls.clients) - 1
	ls.clients[cl.idx] = ls.clients[last]
	ls.clients[cl.idx].idx = cl.idx
	ls.clients = ls.clients[:last]
	cl.conn = nil
	wasReady := cl.ready
	cl.ready = false
	r := cl.r
	if cl.initial {
		if err == nil {
			err = errors.New("closed by peer during handshake")
		}
		cl.report(err)
		return
	}
	if r.stopping.Load() || !r.started.Load() {
		return
	}
	if cl.n > 0 && cl.retry && r.cfg.Rate == 0 {
		// "Connection: close": the server will not answer what was
		// pipelined after that reply; those requests are sent again.
		if r.cfg.Requests > 0 {
			r.left.Add(int64(cl.n))
		}
		cl.n = 0
	}
	if cl.n > 0 {
		kind := closeKind(err)
		if cl.self {
			kind = "closed"
		}
		cl.countErr(kind, int64(cl.n))
		cl.n = 0
	}
	if cl.r.cfg.Mode == "redis" && cl.r.cfg.Command == "mix" {
		cl.seq = (cl.seq + 2) / 3 * 3 // start again at a SET
	}
	cl.rseq = cl.seq
	r.reconnects.Add(1)
	delay := time.Duration(0)
	if !cl.progressed || !wasReady {
		delay = 100 * time.Millisecond // a server that refuses us: do not spin
	}
	redial := func() {
		if !r.stopping.Load() {
			r.eng.DialAsync(r.tgt.dial, cl, r.dcfg, cl.dialed)
		}
	}
	if delay == 0 {
		redial()
	} else {
		c.Loop().AfterFunc(delay, redial)
	}
}

// countErr counts n failed requests (or one failed handshake) of kind.
func (cl *client) countErr(kind string, n int64) {
	cl.ls.kinds[kind] += n
	cl.ls.errs.Add(n)
	if kind != "handshake" {
		cl.r.settle(n)
	}
}

// closeKind names why a conn closed under its requests.
func closeKind(err error) string {
	var full *reactor.OutboundFullError
	switch {
	case err == nil:
		return "eof"
	case errors.Is(err, errTimeout):
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.As(err, &full):
		return "outbound_full"
	}
	return "io"
}

// checkTimeouts fails the requests of conns whose oldest request has
// waited longer than cfg.Timeout since it was sent.
func (ls *loopState) checkTimeouts() {
	r := ls.r
	if r.stopping.Load() || !r.started.Load() {
		return
	}
	now := r.now()
	limit := int64(r.cfg.Timeout)
	for _, cl := range ls.clients {
		if cl.n > 0 && now-cl.ring[cl.head].sent > limit {
			cl.countErr("timeout", int64(cl.n))
			cl.n = 0
			cl.conn.CloseWithError(errTimeout)
		}
	}
}
