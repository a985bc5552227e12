package http

import (
	"sort"
	"sync"
	"time"
)

// Go Transport's defaults (http.DefaultTransport and DefaultMaxIdleConnsPerHost).
const (
	DefaultMaxIdleConns        = 100
	DefaultMaxIdleConnsPerHost = 2
	DefaultIdleConnTimeout     = 90 * time.Second
)

// PoolConfig configures a [Pool] with Go Transport's knobs. The zero value
// is Go's DefaultTransport: 100 idle conns, 2 per host, no limit on conns
// per host, 90 s idle timeout, keep-alives on.
type PoolConfig struct {
	// MaxIdleConns bounds idle conns across hosts; 0 means 100, negative no
	// limit. Past it the least recently used idle conn is closed.
	MaxIdleConns int
	// MaxIdleConnsPerHost bounds idle conns per host; 0 means 2, negative
	// none kept. A conn released past it is closed.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost bounds conns per host, dialing, active and idle; 0
	// means no limit. At the limit a request waits for a conn to be released.
	MaxConnsPerHost int
	// IdleConnTimeout closes a conn idle for that long; 0 means 90 s,
	// negative never.
	IdleConnTimeout time.Duration
	// DisableKeepAlives closes every conn after one request.
	DisableKeepAlives bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c PoolConfig) normalize() PoolConfig {
	if c.MaxIdleConns == 0 {
		c.MaxIdleConns = DefaultMaxIdleConns
	}
	if c.MaxIdleConnsPerHost == 0 {
		c.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if c.IdleConnTimeout == 0 {
		c.IdleConnTimeout = DefaultIdleConnTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// HostStats are one host's counters, as cl:stats() shows them.
type HostStats struct {
	Opened     int // conns dialed (successfully)
	Reused     int // requests sent on a conn that carried one before
	Idle       int // conns idle now
	Active     int // conns carrying a request now (or being dialed)
	ClosedIdle int // idle conns closed by IdleConnTimeout
	Waiting    int // requests waiting for a conn (MaxConnsPerHost)
}

// GrantKind says what [Pool.Acquire] granted.
type GrantKind uint8

const (
	// GrantIdle hands over an idle conn (Conn, IdleTime set).
	GrantIdle GrantKind = iota + 1
	// GrantDial lets the caller dial a new conn; it then calls Dialed or DialFailed.
	GrantDial
	// GrantWait means the host is at MaxConnsPerHost: the ready callback
	// given to Acquire will be called with a GrantIdle or GrantDial later,
	// unless Cancel is called first.
	GrantWait
)

// Grant is the answer to Acquire. For GrantIdle it carries what Go's
// httptrace.GotConnInfo tells: Reused (the conn carried a request before),
// WasIdle (taken from the idle pool) and IdleTime.
type Grant[C comparable] struct {
	Kind     GrantKind
	Conn     C
	Reused   bool
	WasIdle  bool
	IdleTime time.Duration
	// Cancel, set with GrantWait, withdraws the request from the queue (its
	// context ended); it returns false when ready has already been called.
	Cancel func() bool
}

type idleConn[C comparable] struct {
	key   string
	conn  C
	since time.Time
}

type hostPool[C comparable] struct {
	idle    []idleConn[C] // oldest first; Acquire takes the newest, as Go does
	conns   int           // dialing, active and idle
	waiters []*waiter[C]
	stats   HostStats
}

type waiter[C comparable] struct {
	ready func(Grant[C])
	done  bool
}

// Pool is a client's set of kept-alive conns, keyed by host ("scheme://host:port"),
// with Go Transport's rules. It does no I/O: the caller dials and closes;
// the pool tells it when (close is called for conns the pool drops). Safe
// for concurrent use; callbacks run without the pool's lock held.
type Pool[C comparable] struct {
	mu      sync.Mutex
	cfg     PoolConfig
	close   func(C)
	hosts   map[string]*hostPool[C]
	idleN   int
	used    map[C]int // requests each open conn has carried
	pending []func()  // callbacks to run after unlocking
}

// NewPool returns a pool; closeConn is called (without the lock) for each
// conn the pool decides to close.
func NewPool[C comparable](cfg PoolConfig, closeConn func(C)) *Pool[C] {
	return &Pool[C]{cfg: cfg.normalize(), close: closeConn, hosts: map[string]*hostPool[C]{}, used: map[C]int{}}
}

func (p *Pool[C]) host(key string) *hostPool[C] {
	h := p.hosts[key]
	if h == nil {
		h = &hostPool[C]{}
		p.hosts[key] = h
	}
	return h
}

// unlock releases the lock and runs the callbacks queued meanwhile.
func (p *Pool[C]) unlock() {
	run := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, fn := range run {
		fn()
	}
}

func (p *Pool[C]) closeLater(c C) {
	delete(p.used, c)
	p.pending = append(p.pending, func() { p.close(c) })
}

// Acquire asks for a conn to key. Idle conns past IdleConnTimeout are
// closed first. With no idle conn it grants a dial when the host is under
// MaxConnsPerHost, and otherwise queues ready (GrantWait).
func (p *Pool[C]) Acquire(key string, ready func(Grant[C])) Grant[C] {
	p.mu.Lock()
	defer p.unlock()
	now := p.cfg.Now()
	p.reapLocked(now)
	h := p.host(key)
	if n := len(h.idle); n > 0 {
		ic := h.idle[n-1]
		h.idle = h.idle[:n-1]
		p.idleN--
		return p.grantIdle(h, ic, now)
	}
	if p.cfg.MaxConnsPerHost > 0 && h.conns >= p.cfg.MaxConnsPerHost {
		w := &waiter[C]{ready: ready}
		h.waiters = append(h.waiters, w)
		return Grant[C]{Kind: GrantWait, Cancel: func() bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			was := !w.done
			w.done = true
			return was
		}}
	}
	h.conns++
	return Grant[C]{Kind: GrantDial}
}

func (p *Pool[C]) grantIdle(h *hostPool[C], ic idleConn[C], now time.Time) Grant[C] {
	p.used[ic.conn]++
	h.stats.Reused++
	return Grant[C]{Kind: GrantIdle, Conn: ic.conn, Reused: true, WasIdle: true, IdleTime: now.Sub(ic.since)}
}

// Dialed records that a GrantDial ended in a new conn c, about to carry its
// first request.
func (p *Pool[C]) Dialed(key string, c C) {
	p.mu.Lock()
	defer p.unlock()
	h := p.host(key)
	h.stats.Opened++
	p.used[c] = 1
}

// DialFailed gives back the slot of a GrantDial whose dial failed.
func (p *Pool[C]) DialFailed(key string) {
	p.mu.Lock()
	defer p.unlock()
	h := p.host(key)
	h.conns--
	p.serveWaiterLocked(key, h)
}

// Release returns c after a request. reusable says the response was read to
// the end and neither side asked to close: then c goes to a waiting request
// or idles; otherwise (or with keep-alives off, or past
// MaxIdleConnsPerHost) it is closed.
func (p *Pool[C]) Release(key string, c C, reusable bool) {
	p.mu.Lock()
	defer p.unlock()
	h := p.host(key)
	if !reusable || p.cfg.DisableKeepAlives {
		p.dropLocked(key, h, c)
		return
	}
	for len(h.waiters) > 0 {
		w := h.waiters[0]
		h.waiters = h.waiters[1:]
		if w.done {
			continue
		}
		w.done = true
		p.used[c]++
		h.stats.Reused++
		g := Grant[C]{Kind: GrantIdle, Conn: c, Reused: true}
		p.pending = append(p.pending, func() { w.ready(g) })
		return
	}
	if p.cfg.MaxIdleConnsPerHost < 0 || len(h.idle) >= p.cfg.MaxIdleConnsPerHost {
		p.dropLocked(key, h, c)
		return
	}
	if p.cfg.MaxIdleConns > 0 && p.idleN >= p.cfg.MaxIdleConns {
		p.evictOldestLocked()
	}
	h.idle = append(h.idle, idleConn[C]{key: key, conn: c, since: p.cfg.Now()})
	p.idleN++
}

// Remove forgets c, closed by the peer or by an error (not by the pool):
// an idle c leaves the idle list, and its slot goes to a waiter.
func (p *Pool[C]) Remove(key string, c C) {
	p.mu.Lock()
	defer p.unlock()
	h := p.host(key)
	if _, ok := p.used[c]; !ok {
		return // already dropped
	}
	delete(p.used, c)
	for i, ic := range h.idle {
		if ic.conn == c {
			h.idle = append(h.idle[:i], h.idle[i+1:]...)
			p.idleN--
			break
		}
	}
	h.conns--
	p.serveWaiterLocked(key, h)
}

// dropLocked closes c and frees its slot.
func (p *Pool[C]) dropLocked(key string, h *hostPool[C], c C) {
	p.closeLater(c)
	h.conns--
	p.serveWaiterLocked(key, h)
}

// serveWaiterLocked lets the first live waiter dial in a freed slot.
func (p *Pool[C]) serveWaiterLocked(key string, h *hostPool[C]) {
	for len(h.waiters) > 0 {
		w := h.waiters[0]
		h.waiters = h.waiters[1:]
		if w.done {
			continue
		}
		w.done = true
		h.conns++
		p.pending = append(p.pending, func() { w.ready(Grant[C]{Kind: GrantDial}) })
		return
	}
}

// evictOldestLocked closes the least recently used idle conn of any host.
func (p *Pool[C]) evictOldestLocked() {
	var oldest *hostPool[C]
	var key string
	for k, h := range p.hosts {
		if len(h.idle) > 0 && (oldest == nil || h.idle[0].since.Before(oldest.idle[0].since)) {
			oldest, key = h, k
		}
	}
	if oldest == nil {
		return
	}
	ic := oldest.idle[0]
	oldest.idle = oldest.idle[1:]
	p.idleN--
	p.dropLocked(key, oldest, ic.conn)
}

// reapLocked closes idle conns idle for IdleConnTimeout or longer.
func (p *Pool[C]) reapLocked(now time.Time) {
	if p.cfg.IdleConnTimeout < 0 {
		return
	}
	for key, h := range p.hosts {
		n := 0
		for n < len(h.idle) && now.Sub(h.idle[n].since) >= p.cfg.IdleConnTimeout {
			n++
		}
		for _, ic := range h.idle[:n] {
			p.idleN--
			h.stats.ClosedIdle++
			p.dropLocked(key, h, ic.conn)
		}
		h.idle = h.idle[n:]
	}
}

// Reap closes the conns idle for IdleConnTimeout at now and returns when the
// next one will be due (zero when none idles). The caller arms a timer for it.
func (p *Pool[C]) Reap() time.Time {
	p.mu.Lock()
	defer p.unlock()
	p.reapLocked(p.cfg.Now())
	return p.nextReapLocked()
}

func (p *Pool[C]) nextReapLocked() time.Time {
	var next time.Time
	if p.cfg.IdleConnTimeout < 0 {
		return next
	}
	for _, h := range p.hosts {
		if len(h.idle) > 0 {
			if t := h.idle[0].since.Add(p.cfg.IdleConnTimeout); next.IsZero() || t.Before(next) {
				next = t
			}
		}
	}
	return next
}

// CloseIdle closes every idle conn (Go's CloseIdleConnections).
func (p *Pool[C]) CloseIdle() {
	p.mu.Lock()
	defer p.unlock()
	for key, h := range p.hosts {
		for _, ic := range h.idle {
			p.idleN--
			p.dropLocked(key, h, ic.conn)
		}
		h.idle = nil
	}
}

// Requests returns how many requests c has carried (0 for an unknown conn).
func (p *Pool[C]) Requests(c C) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.used[c]
}

// Stats returns each host's counters.
func (p *Pool[C]) Stats() map[string]HostStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]HostStats, len(p.hosts))
	for k, h := range p.hosts {
		s := h.stats
		s.Idle = len(h.idle)
		s.Active = h.conns - len(h.idle)
		for _, w := range h.waiters {
			if !w.done {
				s.Waiting++
			}
		}
		out[k] = s
	}
	return out
}

// Hosts returns the keys the pool has seen, sorted.
func (p *Pool[C]) Hosts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := make([]string, 0, len(p.hosts))
	for k := range p.hosts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
