// Package bench is netplay's load generator: many client conns on the
// reactor's loops (no goroutine per conn, no Lua on the hot path) sending
// echo, line, Redis, HTTP/1.1 or WebSocket requests, closed loop or at a
// constant rate, with latencies in an HDR histogram.
//
// [Run] is the Go API; [Main] is `netplay bench`; docs/bench.md explains
// the measurements.
package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultConns    = 50
	DefaultDuration = 10 * time.Second
	DefaultSize     = 64
	DefaultDepth    = 1
	DefaultTimeout  = 5 * time.Second
	// MaxSize bounds --size: one request must fit the conn's buffers.
	MaxSize = 1 << 20
	// MaxDepth bounds --depth (requests in flight per conn).
	MaxDepth = 4096
	// MaxConns bounds -c.
	MaxConns = 50000
)

// Config describes one run. The zero value of every field selects the
// default stated next to it; only URL is required.
type Config struct {
	// URL is the target: tcp://host:port (or host:port), unix:///path,
	// redis://host:port, http://host:port/path or ws://host:port/path.
	URL string
	// Mode is echo, line, redis, http or ws; "" picks it from the URL's
	// scheme (http, ws, redis) and else echo.
	Mode string
	// Conns is the number of conns; 0 -> 50.
	Conns int
	// Duration bounds the run; 0 -> 10 s, or no time limit when Requests
	// is set.
	Duration time.Duration
	// Requests is the exact number of requests to send in all; 0 -> no
	// count limit.
	Requests int64
	// Size is the request payload in bytes (echo, line, ws, redis values);
	// 0 -> 64. HTTP ignores it.
	Size int
	// Depth is the number of requests in flight per conn (pipelining);
	// 0 -> 1.
	Depth int
	// Rate, when > 0, runs open loop: Rate requests per second in all,
	// spread over the conns, each request's latency measured from when it
	// should have been sent. 0 -> closed loop.
	Rate float64
	// Timeout bounds a connect and a request's wait for its reply; 0 -> 5 s.
	Timeout time.Duration
	// Command is the Redis workload: mix (SET, GET, PING in turn; the
	// default), set, get or ping.
	Command string
	// NoVerify accepts any reply of the right framing (line mode: any
	// line; echo and ws: any bytes of the right length).
	NoVerify bool
	// Loops is the number of reactor loops; 0 -> GOMAXPROCS.
	Loops int
	// Progress, if not nil, is called about once a second from a goroutine
	// of Run while requests are being sent.
	Progress func(Progress)
}

// Progress is a live snapshot passed to Config.Progress.
type Progress struct {
	Elapsed  time.Duration
	Requests int64 // replies received so far
	Errors   int64
	RPS      float64 // over the last interval
}

// Result is what a run measured. Latencies are in microseconds.
type Result struct {
	URL      string           `json:"url"`
	Mode     string           `json:"mode"`
	Conns    int              `json:"conns"`
	Size     int              `json:"size"`
	Depth    int              `json:"depth"`
	Rate     float64          `json:"rate"` // target rate; 0 for a closed loop
	Duration time.Duration    `json:"-"`
	Seconds  float64          `json:"duration_s"`
	Requests int64            `json:"requests"` // replies that matched
	Errors   int64            `json:"errors"`
	ByKind   map[string]int64 `json:"errors_by_kind"`
	RPS      float64          `json:"rps"`
	BytesOut uint64           `json:"bytes_out"`
	BytesIn  uint64           `json:"bytes_in"`
	Latency  Latency          `json:"latency_us"`
	Buckets  []Bucket         `json:"histogram"`
	// Reconnects counts conns dialed again after the peer closed them.
	Reconnects int64 `json:"reconnects"`
	// Hist holds every latency in nanoseconds.
	Hist *hdrhistogram.Histogram `json:"-"`
}

// Latency summarizes the histogram, in microseconds.
type Latency struct {
	Min    float64 `json:"min"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	P50    float64 `json:"p50"`
	P90    float64 `json:"p90"`
	P99    float64 `json:"p99"`
	P999   float64 `json:"p99_9"`
	Max    float64 `json:"max"`
}

// Bucket is one bar of the terminal histogram: Count replies took at most
// UpTo microseconds (and more than the previous bucket's UpTo).
type Bucket struct {
	UpTo  float64 `json:"le_us"`
	Count int64   `json:"count"`
}

// withDefaults checks c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Conns == 0 {
		c.Conns = DefaultConns
	}
	if c.Size == 0 {
		c.Size = DefaultSize
	}
	if c.Depth == 0 {
		c.Depth = DefaultDepth
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Duration == 0 && c.Requests == 0 {
		c.Duration = DefaultDuration
	}
	if c.Command == "" {
		c.Command = "mix"
	}
	switch {
	case c.Conns < 1 || c.Conns > MaxConns:
		return c, fmt.Errorf("bench: conns %d out of range 1..%d", c.Conns, MaxConns)
	case c.Size < 1 || c.Size > MaxSize:
		return c, fmt.Errorf("bench: size %d out of range 1..%d", c.Size, MaxSize)
	case c.Depth < 1 || c.Depth > MaxDepth:
		return c, fmt.Errorf("bench: depth %d out of range 1..%d", c.Depth, MaxDepth)
	case c.Duration < 0:
		return c, fmt.Errorf("bench: negative duration %v", c.Duration)
	case c.Requests < 0:
		return c, fmt.Errorf("bench: negative request count %d", c.Requests)
	case c.Rate < 0:
		return c, fmt.Errorf("bench: negative rate %v", c.Rate)
	case c.Timeout < 0:
		return c, fmt.Errorf("bench: negative timeout %v", c.Timeout)
	}
	switch c.Command {
	case "mix", "set", "get", "ping":
	default:
		return c, fmt.Errorf("bench: unknown redis command %q (want mix, set, get or ping)", c.Command)
	}
	return c, nil
}

// Run dials cfg.Conns conns to cfg.URL, waits until every one is connected
// (and, for ws, upgraded), then sends requests until cfg.Duration passes,
// cfg.Requests have been answered or failed, or ctx ends; it then closes
// the conns and returns what it measured. A ctx that ends early still gives
// a Result for the part that ran. Run returns an error, and no Result,
// when the config is invalid or no conn could be opened.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := parseTarget(cfg.URL, cfg.Mode)
	if err != nil {
		return nil, err
	}
	cfg.Mode = t.mode
	r, err := newRunner(cfg, t)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}
