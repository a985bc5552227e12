package ws

import (
	"encoding/binary"
	"time"
)

// HeartbeatConfig configures pings (Lua: heartbeat = {interval, timeout}).
// The zero value sends no pings and never declares a conn dead.
type HeartbeatConfig struct {
	// Interval between pings on a connected conn; 0 disables the heartbeat.
	Interval time.Duration
	// Timeout: a conn that receives nothing at all (no pong, no message)
	// for this long after a ping is dead; 0 means Interval. A ping whose
	// pong has not come by then counts as missed.
	Timeout time.Duration
}

// maxOutstanding bounds the pings remembered while waiting for pongs.
const maxOutstanding = 16

// heartbeat is one connection's ping bookkeeping. Ping payloads are an
// 8-byte sequence number, so a pong is matched to its ping and RTT is
// measured from that ping; unsolicited or stale pongs are ignored.
type heartbeat struct {
	cfg      HeartbeatConfig
	nextPing time.Time
	// silentSince is when the first ping since the last received frame
	// went out; zero while the peer has spoken since our last ping.
	silentSince time.Time
	seq         uint64
	out         []pending // pings without a pong yet, oldest first
}

type pending struct {
	seq uint64
	at  time.Time
}

func newHeartbeat(cfg HeartbeatConfig, now time.Time) heartbeat {
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.Interval
	}
	return heartbeat{cfg: cfg, nextPing: now.Add(cfg.Interval)}
}

func (h *heartbeat) enabled() bool { return h.cfg.Interval > 0 }

// next returns when tick should run next (zero when disabled).
func (h *heartbeat) next() time.Time {
	if !h.enabled() {
		return time.Time{}
	}
	t := h.nextPing
	if !h.silentSince.IsZero() {
		t = earliest(t, h.silentSince.Add(h.cfg.Timeout))
	}
	if len(h.out) > 0 {
		t = earliest(t, h.out[0].at.Add(h.cfg.Timeout))
	}
	return t
}

// tick returns the ping payload to send now (nil if none is due), the
// number of pings that just went unanswered past the timeout, and whether
// the conn is dead: nothing received within Timeout of a ping.
func (h *heartbeat) tick(now time.Time) (ping []byte, missed int, dead bool) {
	if !h.enabled() {
		return nil, 0, false
	}
	for len(h.out) > 0 && !now.Before(h.out[0].at.Add(h.cfg.Timeout)) {
		h.out = h.out[1:]
		missed++
	}
	if !h.silentSince.IsZero() && !now.Before(h.silentSince.Add(h.cfg.Timeout)) {
		return nil, missed, true
	}
	if now.Before(h.nextPing) {
		return nil, missed, false
	}
	for !h.nextPing.After(now) {
		h.nextPing = h.nextPing.Add(h.cfg.Interval) // no burst after a stall
	}
	h.seq++
	if len(h.out) == maxOutstanding {
		h.out = h.out[1:]
		missed++
	}
	h.out = append(h.out, pending{h.seq, now})
	if h.silentSince.IsZero() {
		h.silentSince = now
	}
	return binary.BigEndian.AppendUint64(nil, h.seq), missed, false
}

// received notes that a frame of any kind arrived: the peer is alive.
func (h *heartbeat) received() { h.silentSince = time.Time{} }

// pong matches a pong's payload to an outstanding ping and returns the
// round trip time; ok is false for a pong that answers no ping of ours.
func (h *heartbeat) pong(now time.Time, payload []byte) (rtt time.Duration, ok bool) {
	h.received()
	if len(payload) != 8 {
		return 0, false
	}
	seq := binary.BigEndian.Uint64(payload)
	for i, p := range h.out {
		if p.seq == seq {
			// Earlier pings are answered too: RFC 6455 lets a peer pong
			// only the latest of several pings.
			h.out = append(h.out[:0], h.out[i+1:]...)
			return now.Sub(p.at), true
		}
	}
	return 0, false
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
