package bench

import "time"

// Open loop (cfg.Rate > 0). Each loop gets a share of the rate in
// proportion to the conns it holds; its k-th ticket is due at
// start + k/rate. A pacer goroutine wakes each loop when a ticket falls
// due; the loop hands due tickets to conns with fewer than depth requests
// in flight. A ticket no conn can take waits, and its latency still starts
// at its due time: the time a slow server made it wait is measured, not
// omitted (coordinated omission, corrected as wrk2 does).

// minPace is the shortest pacer sleep: at high rates each wake-up hands
// out every ticket that fell due meanwhile.
const minPace = 50 * time.Microsecond

// splitRate gives each loop its share of the rate, by the conns it holds.
func (r *runner) splitRate() {
	total := 0
	for _, ls := range r.loops {
		total += len(ls.clients)
	}
	for _, ls := range r.loops {
		ls.rate = r.cfg.Rate * float64(len(ls.clients)) / float64(total)
	}
}

// due is the number of the loop's tickets due by t (ns since start).
func (ls *loopState) due(t int64) int64 {
	if ls.rate <= 0 || t < 0 {
		return 0
	}
	return int64(float64(t)*ls.rate/1e9) + 1
}

// dueAt is when ticket k falls due (ns since start).
func (ls *loopState) dueAt(k int64) int64 { return int64(float64(k) * 1e9 / ls.rate) }

// maxPace bounds one pacer sleep, so the pacer sees the end of the run
// soon.
const maxPace = 10 * time.Millisecond

// pace sleeps until the next ticket of any loop falls due and wakes the
// loops that have new tickets, until the run stops. It sleeps with
// preciseSleep: Go's timers fire up to a millisecond late on an idle
// process (the runtime's poller waits in whole milliseconds), and every
// microsecond the pacer is late shows up in an open loop's latencies.
func (r *runner) pace() {
	woken := make([]int64, len(r.loops))
	for !r.stopping.Load() {
		t := r.now() - r.startNs
		next := int64(-1)
		for i, ls := range r.loops {
			if ls.rate <= 0 {
				continue
			}
			if d := ls.due(t); d > woken[i] {
				woken[i] = d
				ls.l.Execute(ls.dispatch)
			}
			if at := ls.dueAt(woken[i]); next < 0 || at < next {
				next = at
			}
		}
		if next < 0 {
			return
		}
		preciseSleep(min(max(time.Duration(next-(r.now()-r.startNs)), minPace), maxPace))
	}
}

// dispatchDue hands every due ticket to a conn with room, one request per
// conn in turn, and sends each conn's share with one write. Loop
// goroutine only.
func (ls *loopState) dispatchDue(now int64) {
	r := ls.r
	if r.stopping.Load() || !r.started.Load() || ls.rate <= 0 {
		return
	}
	pending := ls.due(now-r.startNs) - ls.issued
	if pending <= 0 || len(ls.clients) == 0 {
		return
	}
	n := len(ls.clients)
	for pending > 0 {
		gave := false
		for i := 0; i < n && pending > 0; i++ {
			cl := ls.clients[(ls.rr+i)%n]
			if !cl.ready || cl.n >= len(cl.ring) {
				continue
			}
			if r.take(1) == 0 {
				ls.flushAll()
				return
			}
			cl.add(r.startNs+ls.dueAt(ls.issued), now)
			ls.issued++
			pending--
			gave = true
		}
		ls.rr = (ls.rr + 1) % n
		if !gave {
			break
		}
	}
	ls.flushAll()
}

func (ls *loopState) flushAll() {
	for _, cl := range ls.clients {
		cl.flush()
	}
}
