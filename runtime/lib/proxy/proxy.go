// Package proxy is netplay's fault-injecting proxy: a TCP (or Unix) or UDP
// relay on the reactor that adds latency, thin pipes, sliced chunks,
// stalls, resets, byte limits, slow closes and outages to the conns it
// relays, with Toxiproxy's fault names and attribute meanings.
//
// Bytes are relayed by the reactor's loops: each client conn and the
// upstream conn dialed for it live on the same loop, so a relay needs no
// goroutine and no lock. When one side's outbound data (plus what the
// faults hold back) passes Config.MaxBuffer, the proxy stops reading from
// the other side until it drains, so memory stays bounded however slow
// the reader.
//
// The lifecycle of a relayed TCP conn:
//
//	accept    client conn opens; toxicity drawn; Config.OnOpen may give it its own faults
//	dial      upstream dialed on the client's loop; the client is not read meanwhile
//	relay     chunks pass through the faults of their direction
//	close     a side's EOF is passed on (after SlowClose); both closed -> Config.OnClose
package proxy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// Errors a relayed conn is closed with (Config.OnClose receives them).
var (
	// ErrCut is the error of conns closed by Proxy.Cut or Proxy.Close.
	ErrCut = errors.New("proxy: conn cut")
	// ErrDown is the error of conns cut or refused by the Down fault.
	ErrDown = errors.New("proxy: down")
	// ErrTimeout is the error of conns closed by the Timeout fault.
	ErrTimeout = errors.New("proxy: timeout fault")
	// ErrReset is the error of conns reset by the ResetPeer fault.
	ErrReset = errors.New("proxy: reset_peer fault")
	// ErrLimitData is the error of conns closed by the LimitData fault.
	ErrLimitData = errors.New("proxy: limit_data fault")
	// ErrIdle is the error of UDP sessions closed after Config.UDPIdle
	// without datagrams.
	ErrIdle = errors.New("proxy: udp session idle")
	// ErrClosed is returned by calls on a closed proxy.
	ErrClosed = errors.New("proxy: closed")
)

// Defaults applied to zero Config fields.
const (
	DefaultMaxBuffer   = 256 << 10 // bytes one direction of a conn may hold
	DefaultDialTimeout = 10 * time.Second
	DefaultUDPIdle     = 60 * time.Second
	minMaxBuffer       = 64 << 10 // at least the reactor's outbound high water
)

// Config configures a Proxy. The zero value relays without faults.
type Config struct {
	// Faults are the proxy-wide faults at start; Set changes them.
	Faults Faults
	// OnOpen, if set, runs on the conn's loop goroutine when a client conn
	// (or a UDP session) opens, before any byte is relayed. A non-nil
	// result is that conn's own faults: they replace the proxy-wide ones
	// for it (toxicity does not apply) and Set no longer touches it;
	// nil keeps the proxy-wide faults. It must not block.
	OnOpen func(ConnInfo) *Faults
	// OnOpenAsync, if set, is OnOpen for a decision that takes time (a
	// Lua function on another goroutine): the conn waits, unread and not
	// yet dialed, until done is called (once, from any goroutine) with its
	// own faults or nil. It is used instead of OnOpen and must not block.
	OnOpenAsync func(info ConnInfo, done func(*Faults))
	// OnClose, if set, runs on the conn's loop goroutine once both sides
	// of a relayed conn are closed, with the reason: nil for an orderly
	// close, one of the Err values of this package for a fault, or the
	// socket error that ended it. It must not block.
	OnClose func(ConnInfo, error)
	// Seed seeds the proxy's random numbers (toxicity draws, jitter,
	// slice sizes, datagram faults), so a run can be repeated; 0 -> a
	// random seed.
	Seed uint64
	// MaxBuffer bounds the bytes one direction of one conn holds (chunks
	// the faults delay plus the receiving side's unsent output) before the
	// proxy stops reading the sending side; reading resumes at half of it.
	// 0 -> 256 KiB; values under 64 KiB are raised to 64 KiB.
	MaxBuffer int
	// DialTimeout bounds the connect to the upstream; 0 -> 10 s.
	DialTimeout time.Duration
	// UDPIdle closes a UDP session without datagrams for this long;
	// 0 -> 60 s.
	UDPIdle time.Duration
}

// link is one relayed conn or UDP session, as the proxy manages it.
type link interface {
	info() ConnInfo
	loop() *reactor.Loop
	apply()           // faults changed; loop goroutine
	cut(reason error) // close both sides now; loop goroutine
	setOwn(f *Faults) // per-conn faults; any goroutine
	buffered() int    // any goroutine
}

// Proxy relays one listen address to one upstream address through faults.
// Its methods are safe for concurrent use; Close must not be called from a
// loop goroutine.
type Proxy struct {
	eng      *reactor.Engine
	cfg      Config
	udp      bool
	network  string
	upstream string
	url      string // the bound listen URL, kept across down/up
	addr     net.Addr
	faults   atomic.Pointer[Faults]
	st       counters

	mu     sync.Mutex // guards links, ln, closed, rng, lnErr
	links  map[uint64]link
	ln     *reactor.Listener
	closed bool
	rng    *rand.Rand
	lnErr  error
	nextID uint64 // UDP session ids

	lnMu sync.Mutex // serializes listener close and re-listen
	h    reactor.Handler
}

// New starts a proxy listening on listenURL (tcp://, unix:// or udp://,
// see reactor.ParseURL) that relays to upstreamURL (same kind: stream to
// stream, udp to udp) through cfg.Faults.
func New(eng *reactor.Engine, listenURL, upstreamURL string, cfg Config) (*Proxy, error) {
	network, _, err := reactor.ParseURL(listenURL)
	if err != nil {
		return nil, fmt.Errorf("proxy: listen: %w", err)
	}
	upNet, _, err := reactor.ParseURL(upstreamURL)
	if err != nil {
		return nil, fmt.Errorf("proxy: upstream: %w", err)
	}
	udp := strings.HasPrefix(network, "udp")
	if udp != strings.HasPrefix(upNet, "udp") {
		return nil, fmt.Errorf("proxy: %s -> %s: a udp:// proxy needs a udp:// upstream and a stream proxy a stream upstream", listenURL, upstreamURL)
	}
	if err := cfg.Faults.Validate(udp); err != nil {
		return nil, err
	}
	if cfg.MaxBuffer <= 0 {
		cfg.MaxBuffer = DefaultMaxBuffer
	}
	cfg.MaxBuffer = max(cfg.MaxBuffer, minMaxBuffer)
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.UDPIdle <= 0 {
		cfg.UDPIdle = DefaultUDPIdle
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	p := &Proxy{
		eng: eng, cfg: cfg, udp: udp, network: network, upstream: upstreamURL,
		links: make(map[uint64]link), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	f := cfg.Faults.clone()
	p.faults.Store(&f)
	if udp {
		p.h = &udpFront{p: p}
	} else {
		p.h = &tcpFront{p: p}
	}
	ln, err := eng.Listen(listenURL, p.h, p.listenConfig())
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p.ln, p.addr, p.url = ln, ln.Addr(), ln.URL()
	if f.Down {
		go p.reconcile()
	}
	return p, nil
}

func (p *Proxy) listenConfig() reactor.ListenConfig {
	var lc reactor.ListenConfig
	lc.HalfClose = true // a client's half-close is passed on, not taken as a full close
	return lc
}

// Addr returns the address the proxy listens on (kept while it is down).
func (p *Proxy) Addr() net.Addr { return p.addr }

// URL returns the listen URL with the bound port, e.g. tcp://127.0.0.1:40123.
func (p *Proxy) URL() string { return p.url }

// Upstream returns the upstream URL.
func (p *Proxy) Upstream() string { return p.upstream }

// Faults returns the proxy-wide faults in force.
func (p *Proxy) Faults() Faults { return p.faults.Load().clone() }

// Set replaces the proxy-wide faults. Existing conns follow at once
// (except conns with faults of their own): new latency applies to chunks
// read from now on, removed faults release what they held, a new timeout
// starts its clock now. Down closes the listener and cuts every conn;
// clearing Down listens again on the same address (in the background:
// ListenError reports a failure). The toxicity draw of each conn is kept,
// so raising toxicity adds conns and lowering it removes some.
func (p *Proxy) Set(f Faults) error {
	if err := f.Validate(p.udp); err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	f = f.clone()
	p.faults.Store(&f)
	links := p.snapshotLinks()
	p.mu.Unlock()
	for _, l := range links {
		if f.Down {
			l.loop().Execute(func() { l.cut(ErrDown) })
		} else {
			l.loop().Execute(l.apply)
		}
	}
	go p.reconcile()
	return nil
}

// SetConn gives the conn with this id faults of its own (nil: back to the
// proxy-wide faults). It returns an error if no such conn is open.
func (p *Proxy) SetConn(id uint64, f *Faults) error {
	if f != nil {
		if err := f.Validate(p.udp); err != nil {
			return err
		}
		cp := f.clone()
		f = &cp
	}
	p.mu.Lock()
	l := p.links[id]
	p.mu.Unlock()
	if l == nil {
		return fmt.Errorf("proxy: conn %d: not open on %s", id, p.url)
	}
	l.setOwn(f)
	l.loop().Execute(l.apply)
	return nil
}

// Cut closes every relayed conn (both sides) at once; the listener keeps
// accepting. It returns the number of conns cut.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	links := p.snapshotLinks()
	p.mu.Unlock()
	for _, l := range links {
		l.loop().Execute(func() { l.cut(ErrCut) })
	}
	return len(links)
}

// Conns returns a snapshot of the open conns, oldest first.
func (p *Proxy) Conns() []ConnInfo {
	p.mu.Lock()
	links := p.snapshotLinks()
	p.mu.Unlock()
	out := make([]ConnInfo, 0, len(links))
	for _, l := range links {
		out = append(out, l.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ListenError returns the error of the last failed re-listen after Down
// was cleared, nil if the proxy is listening (or down).
func (p *Proxy) ListenError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lnErr
}

// Listening reports whether the proxy's listener is open (false while down).
func (p *Proxy) Listening() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ln != nil
}

// Close stops listening, cuts every conn and waits until they are closed
// or ctx ends. It must not be called from a loop goroutine.
func (p *Proxy) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	p.mu.Unlock()
	p.Cut() // first, so conns end as cut rather than by the listener's close
	p.lnMu.Lock()
	p.mu.Lock()
	ln := p.ln
	p.ln = nil
	p.mu.Unlock()
	var err error
	if ln != nil {
		err = ln.Close(ctx)
	}
	p.lnMu.Unlock()
	for {
		p.mu.Lock()
		n := len(p.links)
		p.mu.Unlock()
		if n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// reconcile opens or closes the listener to match the Down fault. It runs
// on its own goroutine because closing a listener waits for the loops.
func (p *Proxy) reconcile() {
	p.lnMu.Lock()
	defer p.lnMu.Unlock()
	p.mu.Lock()
	down, ln, closed := p.faults.Load().Down, p.ln, p.closed
	p.mu.Unlock()
	switch {
	case closed:
	case down && ln != nil:
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ln.Close(ctx)
		cancel()
		p.mu.Lock()
		p.ln = nil // after the close: Listening() false means refused
		p.mu.Unlock()
	case !down && ln == nil:
		nl, err := p.eng.Listen(p.url, p.h, p.listenConfig())
		p.mu.Lock()
		p.lnErr = err
		if err == nil {
			if p.closed || p.faults.Load().Down {
				p.mu.Unlock()
				nl.Close(context.Background())
				go p.reconcile()
				return
			}
			p.ln = nl
		}
		p.mu.Unlock()
	}
}

// snapshotLinks returns the open links; p.mu held.
func (p *Proxy) snapshotLinks() []link {
	out := make([]link, 0, len(p.links))
	for _, l := range p.links {
		out = append(out, l)
	}
	return out
}

// admit draws a new link's toxicity number and seed, hands them to init
// and registers the link (in that order, so snapshots never see a link
// half made). It returns false if the proxy is closed.
func (p *Proxy) admit(id uint64, l link, init func(u float64, seed uint64)) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	init(p.rng.Float64(), p.rng.Uint64())
	p.links[id] = l
	p.st.opened.Add(1)
	return true
}

func (p *Proxy) forget(id uint64) {
	p.mu.Lock()
	delete(p.links, id)
	p.mu.Unlock()
}

// decide finds a new conn's own faults through OnOpenAsync or OnOpen and
// hands them to then on the conn's loop lp (at once for OnOpen and
// without hooks). Faults that fail validation come back as the error.
func (p *Proxy) decide(ci ConnInfo, lp *reactor.Loop, then func(own *Faults, err error)) {
	switch {
	case p.cfg.OnOpenAsync != nil:
		var once atomic.Bool
		p.cfg.OnOpenAsync(ci, func(f *Faults) {
			if once.Swap(true) {
				return
			}
			f, err := p.checkOwn(f)
			lp.Execute(func() { then(f, err) })
		})
	case p.cfg.OnOpen != nil:
		then(p.checkOwn(p.cfg.OnOpen(ci)))
	default:
		then(nil, nil)
	}
}

// checkOwn validates and copies a conn's own faults.
func (p *Proxy) checkOwn(f *Faults) (*Faults, error) {
	if f == nil {
		return nil, nil
	}
	if err := f.Validate(p.udp); err != nil {
		return nil, err
	}
	cp := f.clone()
	return &cp, nil
}

// resolve returns the faults in force for a conn: its own, else the
// proxy-wide ones if its toxicity draw u selects it; nil for none.
func (p *Proxy) resolve(own *Faults, u float64) *Faults {
	if own != nil {
		return own
	}
	f := p.faults.Load()
	if u < f.toxicity() {
		return f
	}
	return nil
}
