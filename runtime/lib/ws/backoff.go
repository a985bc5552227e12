package ws

import (
	"math"
	"time"
)

// Backoff configures reconnect delays. After [Backoff.Normalize] the zero
// value means min 0.5 s, max 30 s, factor 2, no jitter, unlimited retries,
// min_uptime 5 s; Lua's reconnect = {…} defaults jitter to 0.5.
//
// The delay before retry number n (n = 0 for the first retry after a
// loss) is
//
//	ceiling(n) = min(Max, Min · Factor^n)
//	delay(n)   = ceiling(n) · (1 − Jitter · u),  u uniform in [0, 1)
//
// so the delay lies in ((1−Jitter)·ceiling, ceiling]. Jitter 1 is "full
// jitter" (anywhere from 0 to the ceiling, which spreads a herd of clients
// best); Jitter 0 is plain exponential backoff.
type Backoff struct {
	Min    time.Duration // first ceiling; 0 means 500 ms
	Max    time.Duration // largest ceiling; 0 means 30 s
	Factor float64       // growth per retry; 0 means 2 (must be ≥ 1)
	Jitter float64       // fraction of the ceiling randomised, 0-1; <0 means DefaultJitter
	// Retries is how many retries in a row may fail before the client
	// gives up and goes to Closed; 0 or less means no limit.
	Retries int
	// MinUptime is how long a conn must stay up for the retry count (and so
	// the delay) to start again from 0 when it drops; 0 means 5 s.
	MinUptime time.Duration
}

// DefaultJitter is the jitter a Backoff gets when Jitter is negative.
const DefaultJitter = 0.5

// Normalize returns b with zero fields set to their defaults and the rest
// clamped: Factor ≥ 1, Jitter in [0, 1], Max ≥ Min.
func (b Backoff) Normalize() Backoff {
	if b.Min <= 0 {
		b.Min = 500 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Max < b.Min {
		b.Max = b.Min
	}
	if b.Factor == 0 {
		b.Factor = 2
	}
	b.Factor = math.Max(b.Factor, 1)
	if b.Jitter < 0 {
		b.Jitter = DefaultJitter
	}
	b.Jitter = math.Min(b.Jitter, 1)
	if b.MinUptime <= 0 {
		b.MinUptime = 5 * time.Second
	}
	return b
}

// Ceiling returns min(Max, Min·Factor^n) for a normalized b.
func (b Backoff) Ceiling(n int) time.Duration {
	c := float64(b.Min) * math.Pow(b.Factor, float64(n))
	if c >= float64(b.Max) || math.IsInf(c, 0) || math.IsNaN(c) {
		return b.Max
	}
	return time.Duration(c)
}

// Delay returns the delay before retry n for a normalized b, u being a
// uniform random number in [0, 1).
func (b Backoff) Delay(n int, u float64) time.Duration {
	c := b.Ceiling(n)
	return c - time.Duration(b.Jitter*u*float64(c))
}
