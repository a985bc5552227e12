package proxy

import (
	"sync/atomic"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

// paceSlack bounds how far a late timer (a busy machine) may leave the
// slicer/bandwidth schedule behind before it restarts from now. The
// schedule restarts anyway whenever data arrives at an empty queue, so an
// idle stretch earns no burst; lateness while data waits is caught up,
// which keeps the rate exact.
const paceSlack = time.Second

// pipe is one direction of a pair: chunks read from src go through the
// faults to dst. Loop goroutine only, except the atomics.
type pipe struct {
	pr  *pair
	dir Stream // Upstream (client -> server) or Downstream

	q         []segment
	queued    atomic.Int64  // bytes in q
	forwarded atomic.Uint64 // bytes written to dst
	dstc      atomic.Pointer[reactor.Conn]
	admitted  int64     // bytes let in, for limit_data
	next      time.Time // earliest next write (slicer delay, bandwidth)
	lastDue   time.Time // due time of the last queued chunk (keeps order)

	timer      *reactor.Timer // pump wake-up
	resetTimer *reactor.Timer
	slowTimer  *reactor.Timer

	eof       bool // src sent its last byte
	finished  bool // the close was passed on, or dst is gone
	slowDone  bool // slow_close waited its time
	paused    bool // src paused because this pipe is full
	limitHit  bool // limit_data reached: close once drained
	limitDone bool
}

// segment is a chunk held by the faults; due is when latency lets it go.
type segment struct {
	data []byte
	due  time.Time
}

func (pp *pipe) src() *reactor.Conn {
	if pp.dir == Upstream {
		return pp.pr.client
	}
	return pp.pr.server
}

func (pp *pipe) dst() *reactor.Conn { return pp.dstc.Load() }

// faults returns the faults in force for this direction, nil for none.
func (pp *pipe) faults() *Faults {
	f := pp.pr.faults()
	if f == nil || !f.Stream.has(pp.dir) {
		return nil
	}
	return f
}

// held is what the direction holds: queued chunks plus dst's unsent
// output. Safe for concurrent use.
func (pp *pipe) held() int {
	n := int(pp.queued.Load())
	if d := pp.dst(); d != nil {
		n += d.OutboundBuffered()
	}
	return n
}

// push takes a chunk read from src.
func (pp *pipe) push(b []byte) {
	if pp.finished || len(b) == 0 || pp.dst() == nil {
		return
	}
	st := &pp.pr.p.st
	f := pp.faults()
	if f != nil {
		switch {
		case f.Timeout != nil:
			st.dropped.Add(uint64(len(b)))
			return
		case f.ResetPeer != nil:
			if pp.resetTimer == nil {
				pp.resetTimer = pp.pr.lp.AfterFunc(*f.ResetPeer, pp.pr.resetPeer)
			}
			st.dropped.Add(uint64(len(b)))
			return
		}
		if f.LimitData > 0 {
			room := f.LimitData - pp.admitted
			if room <= 0 {
				pp.limitHit = true
				st.dropped.Add(uint64(len(b)))
				pp.checkLimit()
				return
			}
			if int64(len(b)) >= room {
				st.dropped.Add(uint64(int64(len(b)) - room))
				b = b[:room]
				pp.limitHit = true
			}
		}
	}
	pp.admitted += int64(len(b))
	if len(pp.q) == 0 && (f == nil || !f.shapes()) {
		pp.write(b)
		pp.pressure()
		pp.checkLimit()
		return
	}
	seg := segment{data: append([]byte(nil), b...)}
	if f != nil && (f.Latency > 0 || f.Jitter > 0) {
		d := f.Latency
		if f.Jitter > 0 {
			d += time.Duration(pp.pr.rng.Int64N(2*int64(f.Jitter)+1)) - f.Jitter
		}
		due := time.Now().Add(max(d, 0))
		if due.Before(pp.lastDue) {
			due = pp.lastDue // a chunk never overtakes the one before it
		}
		pp.lastDue, seg.due = due, due
		st.delayed.Add(1)
	}
	if now := time.Now(); len(pp.q) == 0 && pp.next.Before(now) {
		pp.next = now // no credit for the idle time
	}
	pp.q = append(pp.q, seg)
	pp.queued.Add(int64(len(seg.data)))
	pp.pump()
}

// write hands bytes to dst and counts them.
func (pp *pipe) write(b []byte) {
	n, _ := pp.dst().Write(b)
	if n <= 0 {
		return
	}
	pp.forwarded.Add(uint64(n))
	if pp.dir == Upstream {
		pp.pr.p.st.bytesUp.Add(uint64(n))
	} else {
		pp.pr.p.st.bytesDown.Add(uint64(n))
	}
}

// pump writes queued chunks as far as latency, slicer, bandwidth and dst's
// outbound buffer allow, and arms a timer or OnWritable for the rest.
func (pp *pipe) pump() {
	dst := pp.dst()
	if dst == nil || pp.finished {
		return
	}
	st := &pp.pr.p.st
	f := pp.faults()
	delays := f != nil && (f.Latency > 0 || f.Jitter > 0)
	paces := f != nil && (f.Bandwidth > 0 || f.Slicer != nil)
	for len(pp.q) > 0 {
		if dst.OutboundBuffered() >= reactor.DefaultHighWater {
			dst.ArmWritable() // OnWritable pumps again
			break
		}
		now := time.Now()
		seg := &pp.q[0]
		if delays && seg.due.After(now) {
			pp.arm(seg.due)
			break
		}
		if paces && pp.next.After(now) {
			pp.arm(pp.next)
			break
		}
		n := len(seg.data)
		var gap time.Duration
		if f != nil && f.Slicer != nil {
			n = min(n, pp.sliceSize(f.Slicer))
			gap += f.Slicer.Delay
			st.sliced.Add(1)
		}
		if f != nil && f.Bandwidth > 0 {
			bps := f.Bandwidth * 1000
			n = min(n, max(1, bps/100)) // pieces of 10 ms at the rate
			gap += time.Duration(n) * time.Second / time.Duration(bps)
			st.paced.Add(1)
		}
		pp.write(seg.data[:n])
		seg.data = seg.data[n:]
		pp.queued.Add(-int64(n))
		if len(seg.data) == 0 {
			pp.q[0] = segment{}
			pp.q = pp.q[1:]
		}
		if gap > 0 {
			base := pp.next
			if base.Before(now.Add(-paceSlack)) {
				base = now
			}
			pp.next = base.Add(gap)
		}
	}
	if len(pp.q) == 0 {
		pp.q = nil
	}
	pp.pressure()
	pp.checkLimit()
	pp.tryFinish()
}

// sliceSize draws one slice length: average +/- variation, at least 1.
func (pp *pipe) sliceSize(s *Slicer) int {
	n := s.AverageSize
	if s.SizeVariation > 0 {
		n += pp.pr.rng.IntN(2*s.SizeVariation+1) - s.SizeVariation
	}
	return max(n, 1)
}

// arm makes the pump run again at t.
func (pp *pipe) arm(t time.Time) {
	d := time.Until(t)
	if pp.timer == nil {
		pp.timer = pp.pr.lp.AfterFunc(d, pp.pump)
		return
	}
	pp.timer.Reset(d)
}

// writable runs from dst's OnWritable.
func (pp *pipe) writable() { pp.pump() }

// pressure pauses src when the direction holds MaxBuffer bytes and
// resumes it at half of that.
func (pp *pipe) pressure() {
	src := pp.src()
	if src == nil {
		return
	}
	held := pp.held()
	p := pp.pr.p
	p.notePeak(held)
	limit := p.cfg.MaxBuffer
	switch {
	case !pp.paused && held >= limit:
		pp.paused = true
		pp.pr.setPause(src, pausePressure, true)
		pp.dst().ArmWritable() // so a drain is noticed even with nothing queued
	case pp.paused && held <= limit/2:
		pp.paused = false
		pp.pr.setPause(src, pausePressure, false)
	}
}

// checkLimit closes the pair once limit_data was reached and drained.
func (pp *pipe) checkLimit() {
	if !pp.limitHit || pp.limitDone || len(pp.q) > 0 {
		return
	}
	pp.limitDone = true
	pp.pr.p.st.limited.Add(1)
	pp.pr.setReason(ErrLimitData)
	pp.pr.closeBoth()
}

// tryFinish passes src's end on to dst once everything queued is written:
// a half-close while the other direction still runs, a full close of
// both when it is done too. slow_close delays it.
func (pp *pipe) tryFinish() {
	pr := pp.pr
	if !pp.eof || pp.finished || len(pp.q) > 0 || pr.server == nil {
		return
	}
	if f := pp.faults(); f != nil && f.SlowClose > 0 && !pp.slowDone {
		if pp.slowTimer == nil {
			pr.p.st.slowClosed.Add(1)
			pp.slowTimer = pr.lp.AfterFunc(f.SlowClose, func() {
				pp.slowDone = true
				pp.tryFinish()
			})
		}
		return
	}
	pp.finished = true
	other := &pr.up
	if pp == other {
		other = &pr.down
	}
	if other.finished {
		pr.closeBoth()
		return
	}
	pp.dst().CloseWrite()
}

// resetting reports whether this direction is under reset_peer now.
func (pp *pipe) resetting() bool {
	f := pp.faults()
	return f != nil && f.ResetPeer != nil
}

// apply follows a change of faults: a removed reset_peer is disarmed,
// held chunks are re-examined (removed latency releases them).
func (pp *pipe) apply() {
	if pp.resetTimer != nil && !pp.resetting() {
		pp.resetTimer.Stop()
		pp.resetTimer = nil
	}
	pp.pump()
}

// drop discards what the pipe holds.
func (pp *pipe) drop() {
	for i := range pp.q {
		pp.q[i] = segment{}
	}
	pp.q = nil
	pp.queued.Store(0)
	pp.stop()
}

// stop stops the pipe's timers.
func (pp *pipe) stop() {
	for _, t := range []*reactor.Timer{pp.timer, pp.resetTimer, pp.slowTimer} {
		if t != nil {
			t.Stop()
		}
	}
}
