package ws

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Config configures a [Client]. The zero value reconnects with
// Backoff{}.Normalize()'s delays, sends no heartbeat, queues up to 1000
// messages without an age limit and allows 10 s per connect.
type Config struct {
	Backoff Backoff
	// NoReconnect sends the client to Closed on the first loss instead of
	// reconnecting (Lua: reconnect = false).
	NoReconnect bool
	Heartbeat   HeartbeatConfig
	// Queue is how many sends may wait while the conn is down; 0 means
	// 1000, negative means none (every send while down is queue_full).
	Queue int
	// MaxAge drops queued messages that waited longer; 0 means no limit.
	MaxAge time.Duration
	// ConnectTimeout bounds dial plus handshake; 0 means 10 s.
	ConnectTimeout time.Duration
	// Rand returns uniform numbers in [0, 1) for the jitter; nil means
	// math/rand/v2's Float64.
	Rand func() float64
	// OnState, if set, sees every transition, in order.
	OnState func(Transition)
}

// Transition is one state change as on_state sees it.
type Transition struct {
	From, To State
	Why      string
	// Delay is, entering Reconnecting, the backoff delay the client will
	// wait; entering Connecting after a wait, the time it actually waited.
	Delay time.Duration
	// Attempt is the retry number, 1 for the first retry after a loss
	// (its delay uses ceiling(0)); 0 for the first dial.
	Attempt int
}

// Stats are a client's counters (Lua: w:stats()).
type Stats struct {
	State                  State
	RTTAvg, RTTP95, RTTMax time.Duration
	Pings, Pongs, Missed   int64
	Loss                   float64 // Missed / Pings, 0 without pings
	Reconnects             int64   // connections opened after the first
	Queued                 int     // messages waiting now
	Sent, Received         int64   // data messages written / read
	Expired                int64   // queued messages dropped by MaxAge
	QueueFull              int64   // sends refused with queue_full
	LastDelay              time.Duration
}

// Errors from the Client's inputs. A driver may see them after a stale
// event (a socket callback arriving after the client moved on) and ignore
// them.
var (
	// ErrClosed: the client is in Closed.
	ErrClosed = errors.New("ws: client closed")
	// ErrState: the input does not fit the current state.
	ErrState = errors.New("ws: not in a state for this")
)

// Client is the robust client's logic, without I/O: a driver dials,
// writes and reads, tells the Client what happened (Dial, Opened, Lost,
// Received, Pong, Close) and calls Tick at Next(); the Client decides
// everything else. A Client is not safe for concurrent use.
type Client struct {
	cfg   Config
	m     Machine
	bo    Backoff
	hb    heartbeat
	rtt   rttStats
	q     queue
	stats Stats

	attempt     int       // retries in a row so far; the next delay uses ceiling(attempt)
	opened      bool      // a conn was opened at least once
	phaseAt     time.Time // when the current state was entered
	connectedAt time.Time
	retryAt     time.Time
}

// NewClient returns a Client in Disconnected.
func NewClient(cfg Config) *Client {
	if cfg.Queue == 0 {
		cfg.Queue = 1000
	} else if cfg.Queue < 0 {
		cfg.Queue = 0
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	return &Client{cfg: cfg, bo: cfg.Backoff.Normalize(), q: queue{limit: cfg.Queue, maxAge: cfg.MaxAge}}
}

// State returns the current state.
func (c *Client) State() State { return c.m.State() }

func (c *Client) to(now time.Time, to State, why string, delay time.Duration) error {
	from := c.m.State()
	if err := c.m.To(to); err != nil {
		return err
	}
	c.phaseAt = now
	if c.cfg.OnState != nil {
		c.cfg.OnState(Transition{From: from, To: to, Why: why, Delay: delay, Attempt: c.attempt})
	}
	return nil
}

// Dial starts the first connection: Disconnected → Connecting.
func (c *Client) Dial(now time.Time) error { return c.to(now, Connecting, "dial", 0) }

// Opened reports a finished handshake: Connecting → Connected. It returns
// the queued messages (oldest first, expired ones dropped) for the driver
// to write before anything else; they leave the queue, so each goes out
// once.
func (c *Client) Opened(now time.Time) ([]Msg, error) {
	if err := c.to(now, Connected, "handshake done", 0); err != nil {
		return nil, err
	}
	if c.opened {
		c.stats.Reconnects++
	}
	c.opened = true
	c.connectedAt = now
	c.hb = newHeartbeat(c.cfg.Heartbeat, now)
	flush := c.q.drain(now)
	c.stats.Sent += int64(len(flush))
	return flush, nil
}

// Lost reports a conn that failed or ended without the client asking
// (dial or handshake error, server close, reset): Connecting or Connected
// → Reconnecting with the next backoff delay, or → Closed when
// reconnecting is off or the retries are used up.
func (c *Client) Lost(now time.Time, why string) error {
	st := c.m.State()
	if st != Connecting && st != Connected {
		return fmt.Errorf("%w: lost while %s", ErrState, st)
	}
	if st == Connected {
		c.stats.Missed += int64(len(c.hb.out)) // unanswered pings die with the conn
		c.hb.out = nil
		if now.Sub(c.connectedAt) >= c.bo.MinUptime {
			c.attempt = 0 // it stayed up: start the backoff over
		}
	}
	if c.cfg.NoReconnect {
		return c.to(now, Closed, why+"; reconnect is off", 0)
	}
	if c.bo.Retries > 0 && c.attempt >= c.bo.Retries {
		return c.to(now, Closed, fmt.Sprintf("%s; %d retries exhausted", why, c.bo.Retries), 0)
	}
	delay := c.bo.Delay(c.attempt, c.cfg.Rand())
	c.attempt++
	c.retryAt = now.Add(delay)
	c.stats.LastDelay = delay
	return c.to(now, Reconnecting, why, delay)
}

// Close moves any state but Closed to Closed (w:close(), the ctx ending).
// Queued messages are dropped. Closing twice returns ErrClosed.
func (c *Client) Close(now time.Time, why string) error {
	if c.m.State() == Closed {
		return ErrClosed
	}
	c.q.drain(now)
	return c.to(now, Closed, why, 0)
}

// Send routes one message: direct is true when the conn is up and the
// driver should write it now; otherwise it waits in the queue, or the
// error is ErrQueueFull (the queue is full) or ErrClosed.
func (c *Client) Send(now time.Time, data []byte, binary bool) (direct bool, err error) {
	switch c.m.State() {
	case Closed:
		return false, ErrClosed
	case Connected:
		c.stats.Sent++
		return true, nil
	}
	if err := c.q.push(Msg{Data: data, Binary: binary, At: now}); err != nil {
		c.stats.QueueFull++
		return false, err
	}
	return false, nil
}

// Received reports a data message read from the conn.
func (c *Client) Received(now time.Time) {
	c.stats.Received++
	c.hb.received()
}

// Control reports a ping or close frame read from the conn: the peer is
// alive.
func (c *Client) Control(now time.Time) { c.hb.received() }

// Pong reports a pong; one answering our ping adds an RTT sample.
func (c *Client) Pong(now time.Time, payload []byte) {
	if rtt, ok := c.hb.pong(now, payload); ok {
		c.stats.Pongs++
		c.rtt.add(rtt)
	}
}

// Due is what Tick asks the driver to do.
type Due struct {
	Ping  []byte // send a ping with this payload
	Dial  bool   // the backoff wait is over: dial now (state is Connecting)
	Abort bool   // close the current socket without a handshake: the
	// client already moved on (heartbeat dead or connect timeout)
}

// Tick runs the timers due at now; call it at Next().
func (c *Client) Tick(now time.Time) Due {
	var d Due
	switch c.m.State() {
	case Connected:
		ping, missed, dead := c.hb.tick(now)
		c.stats.Missed += int64(missed)
		if dead {
			why := fmt.Sprintf("heartbeat: nothing received for %v after a ping", c.hb.cfg.Timeout)
			_ = c.Lost(now, why) // legal from Connected
			d.Abort = true
		} else if ping != nil {
			c.stats.Pings++
			d.Ping = ping
		}
	case Connecting:
		if !now.Before(c.phaseAt.Add(c.cfg.ConnectTimeout)) {
			_ = c.Lost(now, fmt.Sprintf("connect timeout after %v", c.cfg.ConnectTimeout))
			d.Abort = true
		}
	case Reconnecting:
		if !now.Before(c.retryAt) {
			waited := now.Sub(c.phaseAt)
			_ = c.to(now, Connecting, fmt.Sprintf("retry %d after %.3fs", c.attempt, waited.Seconds()), waited)
			d.Dial = true
		}
	}
	if c.m.State() != Connected {
		c.q.expire(now)
	}
	return d
}

// Next returns when Tick should run next; zero means no timer is needed.
func (c *Client) Next() time.Time {
	var t time.Time
	switch c.m.State() {
	case Connected:
		t = c.hb.next()
	case Connecting:
		t = c.phaseAt.Add(c.cfg.ConnectTimeout)
	case Reconnecting:
		t = c.retryAt
	}
	if c.m.State() != Connected && c.q.maxAge > 0 && c.q.len() > 0 {
		t = earliest(t, c.q.buf[c.q.head].At.Add(c.q.maxAge+time.Nanosecond))
	}
	return t
}

// Stats returns the counters at now.
func (c *Client) Stats(now time.Time) Stats {
	if c.m.State() != Connected {
		c.q.expire(now)
	}
	s := c.stats
	s.State = c.m.State()
	s.RTTAvg, s.RTTP95, s.RTTMax = c.rtt.avg(), c.rtt.p95(), c.rtt.max
	if s.Pings > 0 {
		s.Loss = float64(s.Missed) / float64(s.Pings)
	}
	s.Queued = c.q.len()
	s.Expired = c.q.expired
	return s
}
