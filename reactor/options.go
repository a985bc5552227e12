package reactor

import (
	"log"
	"runtime"
	"time"
)

// Defaults applied to zero-valued options.
const (
	DefaultReadBufferSize = 64 << 10 // per-loop shared read buffer
	DefaultEngineMaxConns = 4096     // conns per engine
	DefaultListenMaxConns = 1024     // conns per listener
	DefaultHighWater      = 64 << 10 // outbound bytes that arm OnWritable
	DefaultLowWater       = 32 << 10 // outbound bytes below which OnWritable fires
	DefaultMaxOutbound    = 4 << 20  // outbound bytes past which a conn is closed
	DefaultMaxTasks       = 1 << 16  // queued tasks per loop past which Execute, AsyncWrite and Wake fail
)

// Option configures an Engine; see New.
type Option func(*Options)

// Options is the engine configuration. The zero value of every field
// selects the default stated next to it.
type Options struct {
	Loops          int         // event loops; 0 -> runtime.GOMAXPROCS(0)
	ReadBufferSize int         // per-loop shared read buffer; 0 -> 64 KiB
	MaxConns       int         // conns in the whole engine; 0 -> 4096 or MaxConnsLimit() if lower; accept-and-close past it
	MaxTasks       int         // tasks queued per loop; 0 -> 65536; past it Execute, AsyncWrite(v) and Wake return ErrLoopBusy
	Logger         *log.Logger // recovered panics and accept trouble; nil -> log.Default()
}

// WithLoops sets Options.Loops.
func WithLoops(n int) Option { return func(o *Options) { o.Loops = n } }

// WithMaxConns sets Options.MaxConns.
func WithMaxConns(n int) Option { return func(o *Options) { o.MaxConns = n } }

// WithMaxTasks sets Options.MaxTasks.
func WithMaxTasks(n int) Option { return func(o *Options) { o.MaxTasks = n } }

// WithReadBufferSize sets Options.ReadBufferSize.
func WithReadBufferSize(n int) Option { return func(o *Options) { o.ReadBufferSize = n } }

// WithLogger sets Options.Logger.
func WithLogger(l *log.Logger) Option { return func(o *Options) { o.Logger = l } }

func (o *Options) normalize() {
	if o.Loops <= 0 {
		o.Loops = runtime.GOMAXPROCS(0)
	}
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = DefaultReadBufferSize
	}
	if o.MaxConns <= 0 {
		o.MaxConns = defaultMaxConns()
	}
	if o.MaxTasks <= 0 {
		o.MaxTasks = DefaultMaxTasks
	}
	if o.Logger == nil {
		o.Logger = log.Default()
	}
}

// ConnConfig is the per-conn part of ListenConfig and DialConfig: both
// embed it, so a listener's conns and a dialed conn take the same fields
// with the same defaults. The zero value means TCP_NODELAY on, no TCP
// keepalive, 64/32 KiB water marks, a 4 MiB outbound cap, no half-close and
// writes tried at once.
type ConnConfig struct {
	NoDelayOff  bool          // TCP_NODELAY is on unless this is true
	KeepAlive   time.Duration // TCP keepalive idle time and interval; 0 -> off
	HighWater   int           // 0 -> 64 KiB
	LowWater    int           // 0 -> 32 KiB
	MaxOutbound int           // 0 -> 4 MiB; past it the conn closes with *OutboundFullError
	// MaxInbound caps the inbound bytes a handler may leave unconsumed
	// after OnTraffic (a frame still incomplete): past it the conn closes
	// with *InboundFullError. A backstop under a codec's own limits. 0 ->
	// no cap.
	MaxInbound int
	HalfClose  bool // peer EOF -> OnReadEOF (if implemented) instead of closing
	// CoalesceWrites queues what Write and Writev are given during a loop
	// round and sends it when the round ends, after every ready conn has
	// been read and handled: one write(2) per conn per round, as
	// redis-server writes its replies just before it sleeps. A client that
	// pipelines over many conns from one thread (redis-benchmark -P 16)
	// then finds more replies per wake-up; each reply waits for the round
	// (tens of µs under load). Off: Write tries write(2) at once. UDP
	// datagrams are sent at once either way.
	CoalesceWrites bool
}

// ListenConfig configures one listener. The zero value is a sane default:
// all loops, round robin, 1024 conns, and ConnConfig's zero value for each
// conn.
type ListenConfig struct {
	ConnConfig
	Loops     int           // 0 -> all engine loops; else the first N loops
	LB        LoadBalancing // RoundRobin (zero), LeastConnections, SourceAddrHash
	ReusePort bool          // each loop listens itself with SO_REUSEPORT
	MaxConns  int           // 0 -> 1024 conns at once for this listener
	// MaxConnsPerIP caps the conns one peer IP may hold open on this
	// listener (IPv4-mapped IPv6 peers count as their IPv4 address); past
	// it a new conn from that IP is accepted and closed at once and counted
	// in ListenerStats.Rejected and RejectedPerIP. 0 -> no per-IP limit.
	// Unix sockets are never limited.
	MaxConnsPerIP int
}

// DialConfig configures one dialed conn. The zero value is ConnConfig's
// zero value and no timeout of its own (Dial uses its context).
type DialConfig struct {
	ConnConfig
	// Timeout bounds the connect for DialAsync (Dial also honours its
	// context); 0 -> no limit of its own.
	Timeout time.Duration
	// Loop is the loop the conn joins; nil -> round robin over all loops.
	// A relay dials on the loop of the conn it serves, so both ends of the
	// pair share one goroutine and need no locks.
	Loop *Loop
}

// withDefaults returns cc with the water marks and the outbound cap filled in.
func (cc ConnConfig) withDefaults() ConnConfig {
	if cc.HighWater <= 0 {
		cc.HighWater = DefaultHighWater
	}
	if cc.LowWater <= 0 {
		cc.LowWater = DefaultLowWater
	}
	if cc.LowWater > cc.HighWater {
		cc.LowWater = cc.HighWater
	}
	if cc.MaxOutbound <= 0 {
		cc.MaxOutbound = DefaultMaxOutbound
	}
	if cc.MaxOutbound < cc.HighWater {
		cc.MaxOutbound = cc.HighWater
	}
	return cc
}
