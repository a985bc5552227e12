package ws

import (
	"slices"
	"time"
)

// rttWindow is how many recent samples the p95 is taken over.
const rttWindow = 1024

// rttStats keeps round trip times: the mean and maximum over every sample,
// the 95th percentile over the last rttWindow samples. The zero value is
// empty.
type rttStats struct {
	n      int64
	sum    time.Duration
	max    time.Duration
	recent []time.Duration // ring of the last rttWindow samples
	pos    int
}

func (r *rttStats) add(d time.Duration) {
	r.n++
	r.sum += d
	r.max = max(r.max, d)
	if len(r.recent) < rttWindow {
		r.recent = append(r.recent, d)
		return
	}
	r.recent[r.pos] = d
	r.pos = (r.pos + 1) % rttWindow
}

// avg returns the mean round trip time, 0 without samples.
func (r *rttStats) avg() time.Duration {
	if r.n == 0 {
		return 0
	}
	return r.sum / time.Duration(r.n)
}

// p95 returns the nearest-rank 95th percentile of the recent samples.
func (r *rttStats) p95() time.Duration {
	if len(r.recent) == 0 {
		return 0
	}
	s := slices.Clone(r.recent)
	slices.Sort(s)
	rank := (95*len(s) + 99) / 100 // ceil(0.95 n), 1-based
	return s[rank-1]
}
