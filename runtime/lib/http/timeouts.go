package http

import "time"

// DefaultReadHeaderTimeout is netplay's read_header_timeout (Go's is none):
// a client has this long from the first byte of a request to its empty line.
const DefaultReadHeaderTimeout = 10 * time.Second

// Timeouts are a server's per-conn time limits, as Go's http.Server names
// them. Zero means none; see [Timeouts.Resolve] for the fallbacks.
type Timeouts struct {
	// Idle bounds the wait for the next request on a kept-alive conn. Lua:
	// idle_timeout; 0 falls back to Read.
	Idle time.Duration
	// ReadHeader bounds the time from a request's first byte (for a new
	// conn: from the accept) to the end of its header; it is not reset by
	// each read, so a client sending a byte a second still runs out.
	// Lua: read_header_timeout (netplay's default 10 s); 0 falls back to Read.
	ReadHeader time.Duration
	// Read bounds the time from a request's first byte to the end of its
	// body. Lua: read_timeout.
	Read time.Duration
	// Write bounds the time from the end of a request's header to the last
	// byte of its response handed to the socket. Lua: write_timeout.
	Write time.Duration
}

// Resolve applies Go's fallbacks: Idle and ReadHeader take Read's value when
// zero; negative values mean none.
func (t Timeouts) Resolve() Timeouts {
	if t.Idle == 0 {
		t.Idle = t.Read
	}
	if t.ReadHeader == 0 {
		t.ReadHeader = t.Read
	}
	for _, d := range []*time.Duration{&t.Idle, &t.ReadHeader, &t.Read, &t.Write} {
		if *d < 0 {
			*d = 0
		}
	}
	return t
}

// Phase is where a server conn is in its request cycle.
type Phase uint8

const (
	PhaseNew      Phase = iota // accepted, no byte yet
	PhaseIdle                  // kept alive after a response, no byte of the next request yet
	PhaseHeader                // reading a request header
	PhaseBody                  // reading a request body
	PhaseResponse              // the handler runs or the response is being written
)

// Expiry names the limit a conn ran out of; its String is the option's name.
type Expiry uint8

const (
	ExpiryNone Expiry = iota
	ExpiryIdle
	ExpiryReadHeader
	ExpiryRead
	ExpiryWrite
)

// String returns the Lua option name: "idle_timeout", "read_header_timeout"…
func (e Expiry) String() string {
	return [...]string{"", "idle_timeout", "read_header_timeout", "read_timeout", "write_timeout"}[e]
}

// ConnTimer keeps one server conn's deadlines. The server calls its event
// methods as the conn moves on, arms one timer at [ConnTimer.Deadline] and,
// when it fires, asks [ConnTimer.Expired]: a deadline is computed from the
// instant a phase began, never pushed back by reads. Times come from the
// caller (an injected clock in tests). The zero value has no limits; use
// [NewConnTimer]. Not safe for concurrent use: it belongs to the conn's loop.
type ConnTimer struct {
	t        Timeouts
	phase    Phase
	since    time.Time // when the phase's clock started
	reqStart time.Time // first byte of the current request (Read's origin)
	headEnd  time.Time // end of the current request's header (Write's origin)
}

// NewConnTimer returns a timer for a conn accepted at now; t is resolved.
func NewConnTimer(t Timeouts, now time.Time) *ConnTimer {
	return &ConnTimer{t: t.Resolve(), phase: PhaseNew, since: now}
}

// Phase returns the current phase.
func (c *ConnTimer) Phase() Phase { return c.phase }

// Bytes records that request bytes arrived at now. Only the first byte of a
// request starts a clock; later calls change nothing.
func (c *ConnTimer) Bytes(now time.Time) {
	switch c.phase {
	case PhaseNew:
		// Go measures a new conn's header time from the accept.
		c.phase, c.reqStart = PhaseHeader, now
	case PhaseIdle:
		c.phase, c.since, c.reqStart = PhaseHeader, now, now
	}
}

// HeadDone records a complete request header; body tells whether a body
// is still to be read.
func (c *ConnTimer) HeadDone(now time.Time, body bool) {
	c.headEnd = now
	if c.phase == PhaseNew || c.phase == PhaseIdle {
		c.reqStart = now
	}
	if body {
		c.phase = PhaseBody
	} else {
		c.phase = PhaseResponse
	}
}

// BodyDone records the end of the request body: the handler runs next.
func (c *ConnTimer) BodyDone(now time.Time) { c.phase = PhaseResponse }

// ResponseDone records that the response's last byte was handed to the
// socket: the conn waits idle for the next request.
func (c *ConnTimer) ResponseDone(now time.Time) { c.phase, c.since = PhaseIdle, now }

// Deadline returns when the current phase runs out and which limit that is;
// ExpiryNone (and a zero time) when no limit applies.
func (c *ConnTimer) Deadline() (time.Time, Expiry) {
	var at time.Time
	var why Expiry
	earlier := func(origin time.Time, d time.Duration, e Expiry) {
		if d > 0 {
			if t := origin.Add(d); why == ExpiryNone || t.Before(at) {
				at, why = t, e
			}
		}
	}
	switch c.phase {
	case PhaseNew:
		earlier(c.since, c.t.ReadHeader, ExpiryReadHeader)
	case PhaseIdle:
		earlier(c.since, c.t.Idle, ExpiryIdle)
	case PhaseHeader:
		earlier(c.since, c.t.ReadHeader, ExpiryReadHeader)
		earlier(c.reqStart, c.t.Read, ExpiryRead)
	case PhaseBody:
		earlier(c.reqStart, c.t.Read, ExpiryRead)
		earlier(c.headEnd, c.t.Write, ExpiryWrite)
	case PhaseResponse:
		earlier(c.headEnd, c.t.Write, ExpiryWrite)
	}
	return at, why
}

// Expired reports which limit has run out at now, if any. A timer armed for
// an earlier phase finds ExpiryNone and re-arms at the new Deadline.
func (c *ConnTimer) Expired(now time.Time) Expiry {
	at, why := c.Deadline()
	if why != ExpiryNone && !now.Before(at) {
		return why
	}
	return ExpiryNone
}

// Answer408 reports whether a conn that ran out of e should get a
// "408 Request Timeout" before it is closed: only when part of a request
// arrived (an idle or new conn closes silently, as a client racing a new
// request on it cannot tell a 408 from an answer).
func (c *ConnTimer) Answer408(e Expiry) bool {
	return (e == ExpiryReadHeader || e == ExpiryRead) && (c.phase == PhaseHeader || c.phase == PhaseBody)
}
