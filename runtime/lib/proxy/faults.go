package proxy

import (
	"fmt"
	"strings"
	"time"
)

// Stream says which direction of a conn a fault applies to, with
// Toxiproxy's names: upstream is client -> server, downstream is
// server -> client.
type Stream int

const (
	// Both applies faults to both directions; it is the zero value.
	Both Stream = iota
	// Upstream applies faults to the bytes the client sends to the server.
	Upstream
	// Downstream applies faults to the bytes the server sends to the client.
	Downstream
)

// String returns "both", "upstream" or "downstream".
func (s Stream) String() string {
	switch s {
	case Upstream:
		return "upstream"
	case Downstream:
		return "downstream"
	}
	return "both"
}

// ParseStream reads "both", "upstream" (or "up") and "downstream" (or
// "down").
func ParseStream(s string) (Stream, error) {
	switch strings.ToLower(s) {
	case "both", "":
		return Both, nil
	case "upstream", "up":
		return Upstream, nil
	case "downstream", "down":
		return Downstream, nil
	}
	return Both, fmt.Errorf("proxy: stream %q: want upstream, downstream or both", s)
}

// has reports whether s covers direction d (Upstream or Downstream).
func (s Stream) has(d Stream) bool { return s == Both || s == d }

// Slicer splits each chunk into slices of AverageSize bytes, give or take
// SizeVariation, written Delay apart: the classic way to expose a reader
// that assumes one read is one message. Toxiproxy's slicer, with Delay as a
// duration instead of microseconds.
type Slicer struct {
	AverageSize   int           // bytes per slice; must be > 0
	SizeVariation int           // +/- bytes; must be < AverageSize
	Delay         time.Duration // pause between slices; 0 -> none
}

// Faults is what a proxy does to the bytes and conns it relays. The zero
// value relays faithfully. Attributes mean what Toxiproxy's toxics mean;
// where a zero is meaningful (timeout 0 holds forever, reset_peer 0 resets
// at once) the field is a pointer and nil means off.
//
// New, Set and SetConn take deep copies: changing a Faults (or its Slicer)
// afterwards does not change a running proxy.
type Faults struct {
	// Latency delays each chunk by Latency +/- a uniform Jitter; chunks
	// keep their order (a later chunk never overtakes an earlier one).
	Latency time.Duration
	Jitter  time.Duration
	// Bandwidth limits each direction of each conn to this many KB/s
	// (1 KB = 1000 bytes, as Toxiproxy counts); 0 -> unlimited.
	Bandwidth int
	// Slicer splits chunks; nil -> off.
	Slicer *Slicer
	// Timeout stops data (it is dropped) and closes the conn after the
	// duration; a duration of 0 holds the conn open without data until the
	// fault is removed. nil -> off. The clock starts when the conn opens or
	// when Set introduces the fault.
	Timeout *time.Duration
	// ResetPeer resets the conn (TCP RST through SO_LINGER 0, seen as
	// ECONNRESET) the duration after the first data arrives on an affected
	// stream; that data is dropped. nil -> off. With Stream Both or
	// Downstream the client gets the reset, with Both or Upstream the
	// server does.
	ResetPeer *time.Duration
	// LimitData closes the conn once this many bytes have passed in an
	// affected direction; the last chunk is cut so exactly that many
	// arrive. 0 -> unlimited.
	LimitData int64
	// SlowClose delays passing a close (or half-close) on to the other
	// side by this long; 0 -> at once.
	SlowClose time.Duration
	// Down closes the proxy's listener (new conns are refused) and cuts
	// every conn; clearing it listens again on the same address. In a
	// per-conn Faults it refuses that one conn.
	Down bool
	// Stream selects the directions the faults apply to (Both by default).
	Stream Stream
	// Toxicity is the fraction of conns the faults apply to, drawn once
	// per conn when it opens, as Toxiproxy does. 0 means 1 (every conn,
	// Toxiproxy's default); a negative value means no conn.
	Toxicity float64

	// Loss drops each datagram with this probability (udp:// only).
	Loss float64
	// Duplicate sends each datagram twice with this probability (udp://
	// only).
	Duplicate float64
	// Reorder holds a datagram back with this probability and sends it
	// after the next one in the same direction (udp:// only; a held
	// datagram that sees no successor leaves after Latency + 10 ms).
	Reorder float64
}

// clone copies f with its own Slicer, Timeout and ResetPeer, so a caller
// changing what it passed does not reach into a running proxy.
func (f Faults) clone() Faults {
	if f.Slicer != nil {
		s := *f.Slicer
		f.Slicer = &s
	}
	if f.Timeout != nil {
		f.Timeout = Dur(*f.Timeout)
	}
	if f.ResetPeer != nil {
		f.ResetPeer = Dur(*f.ResetPeer)
	}
	return f
}

// Dur returns a pointer to d, for Faults.Timeout and Faults.ResetPeer.
func Dur(d time.Duration) *time.Duration { return &d }

// toxicity returns the effective fraction of conns affected.
func (f *Faults) toxicity() float64 {
	if f.Toxicity == 0 {
		return 1
	}
	return f.Toxicity
}

// shapes reports whether chunks of a stream under f must be queued rather
// than written at once.
func (f *Faults) shapes() bool {
	return f.Latency > 0 || f.Jitter > 0 || f.Bandwidth > 0 || f.Slicer != nil
}

// Validate checks f for a proxy of the given kind (udp true for udp://)
// and returns an error naming the first bad attribute.
func (f *Faults) Validate(udp bool) error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("proxy: fault %s = %v: %s", name, v, want)
	}
	durs := []struct {
		name string
		d    time.Duration
	}{{"latency", f.Latency}, {"jitter", f.Jitter}, {"slow_close", f.SlowClose}}
	if f.Timeout != nil {
		durs = append(durs, struct {
			name string
			d    time.Duration
		}{"timeout", *f.Timeout})
	}
	if f.ResetPeer != nil {
		durs = append(durs, struct {
			name string
			d    time.Duration
		}{"reset_peer", *f.ResetPeer})
	}
	for _, d := range durs {
		if d.d < 0 {
			return bad(d.name, d.d, "want a duration >= 0")
		}
	}
	if f.Bandwidth < 0 {
		return bad("bandwidth", f.Bandwidth, "want KB/s >= 0")
	}
	if f.LimitData < 0 {
		return bad("limit_data", f.LimitData, "want bytes >= 0")
	}
	if f.Toxicity > 1 {
		return bad("toxicity", f.Toxicity, "want a fraction <= 1")
	}
	if s := f.Slicer; s != nil {
		if s.AverageSize <= 0 {
			return bad("slicer.average_size", s.AverageSize, "want bytes > 0")
		}
		if s.SizeVariation < 0 || s.SizeVariation >= s.AverageSize {
			return bad("slicer.size_variation", s.SizeVariation, "want 0 <= size_variation < average_size")
		}
		if s.Delay < 0 {
			return bad("slicer.delay", s.Delay, "want a duration >= 0")
		}
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", f.Loss}, {"duplicate", f.Duplicate}, {"reorder", f.Reorder}} {
		if p.v < 0 || p.v > 1 {
			return bad(p.name, p.v, "want a probability in [0, 1]")
		}
		if p.v > 0 && !udp {
			return bad(p.name, p.v, "datagram faults need a udp:// proxy (a byte stream cannot lose bytes: TCP turns loss into delay)")
		}
	}
	if udp {
		switch {
		case f.Bandwidth > 0:
			return bad("bandwidth", f.Bandwidth, "not supported by udp:// proxies")
		case f.Slicer != nil:
			return bad("slicer", "{...}", "not supported by udp:// proxies (a datagram is never split)")
		case f.Timeout != nil:
			return bad("timeout", *f.Timeout, "not supported by udp:// proxies")
		case f.ResetPeer != nil:
			return bad("reset_peer", *f.ResetPeer, "not supported by udp:// proxies (no conn to reset)")
		case f.LimitData > 0:
			return bad("limit_data", f.LimitData, "not supported by udp:// proxies")
		case f.SlowClose > 0:
			return bad("slow_close", f.SlowClose, "not supported by udp:// proxies")
		}
	}
	return nil
}

// String describes the faults in force, in the CLI's flag syntax; "none"
// for the zero value.
func (f *Faults) String() string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if f.Down {
		add("down")
	}
	if f.Latency > 0 || f.Jitter > 0 {
		add("latency=%v", f.Latency)
		if f.Jitter > 0 {
			add("jitter=%v", f.Jitter)
		}
	}
	if f.Bandwidth > 0 {
		add("bandwidth=%dKB/s", f.Bandwidth)
	}
	if s := f.Slicer; s != nil {
		add("slicer=%d,%d,%v", s.AverageSize, s.SizeVariation, s.Delay)
	}
	if f.Timeout != nil {
		add("timeout=%v", *f.Timeout)
	}
	if f.ResetPeer != nil {
		add("reset_peer=%v", *f.ResetPeer)
	}
	if f.LimitData > 0 {
		add("limit_data=%d", f.LimitData)
	}
	if f.SlowClose > 0 {
		add("slow_close=%v", f.SlowClose)
	}
	if f.Loss > 0 {
		add("loss=%g", f.Loss)
	}
	if f.Duplicate > 0 {
		add("duplicate=%g", f.Duplicate)
	}
	if f.Reorder > 0 {
		add("reorder=%g", f.Reorder)
	}
	if len(parts) == 0 {
		return "none"
	}
	if f.Stream != Both {
		add("stream=%v", f.Stream)
	}
	if t := f.Toxicity; t != 0 && t != 1 {
		add("toxicity=%g", max(t, 0))
	}
	return strings.Join(parts, " ")
}
