package bench

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// buckets spreads h's values (ns) over n bars between its min and max,
// spaced by ratio (log scale) so a long tail does not squeeze the body into
// one bar; a narrow range is spaced evenly. Bounds are in µs.
func buckets(h *hdrhistogram.Histogram, n int) []Bucket {
	if h.TotalCount() == 0 {
		return nil
	}
	lo, hi := float64(h.Min()), float64(h.Max())
	if lo < 1 {
		lo = 1
	}
	bounds := make([]float64, n)
	for i := range bounds {
		f := float64(i+1) / float64(n)
		if hi/lo >= 2 {
			bounds[i] = lo * math.Pow(hi/lo, f)
		} else {
			bounds[i] = lo + (hi-lo)*f
		}
	}
	bounds[n-1] = hi
	out := make([]Bucket, n)
	for i, b := range bounds {
		out[i].UpTo = math.Round(b) / 1e3 // whole ns
	}
	j := 0
	for _, bar := range h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		v := float64(bar.From)
		for j < n-1 && v > bounds[j] {
			j++
		}
		out[j].Count += bar.Count
	}
	return out
}

// fmtLatency prints µs with three significant digits and a unit.
func fmtLatency(us float64) string {
	switch {
	case us < 1000:
		return trimFloat(us) + "µs"
	case us < 1e6:
		return trimFloat(us/1e3) + "ms"
	}
	return trimFloat(us/1e6) + "s"
}

func trimFloat(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtRate prints a byte rate in MB/s (10^6 bytes).
func fmtRate(bytes uint64, secs float64) string {
	if secs <= 0 {
		return "0 MB/s"
	}
	return fmt.Sprintf("%.1f MB/s", float64(bytes)/secs/1e6)
}

// WriteText writes res as the human-readable report `netplay bench` prints.
func WriteText(w io.Writer, res *Result) {
	loop := "closed loop"
	if res.Rate > 0 {
		loop = fmt.Sprintf("open loop at %g req/s", res.Rate)
	}
	size := fmt.Sprintf(", %d B", res.Size)
	if res.Size == 0 {
		size = ""
	}
	fmt.Fprintf(w, "netplay bench %s: %s, %d conns, depth %d%s, %s\n\n",
		res.URL, res.Mode, res.Conns, res.Depth, size, loop)
	fmt.Fprintf(w, "  requests   %d in %.2fs = %.0f req/s\n", res.Requests, res.Seconds, res.RPS)
	fmt.Fprintf(w, "  traffic    out %s, in %s\n", fmtRate(res.BytesOut, res.Seconds), fmtRate(res.BytesIn, res.Seconds))
	fmt.Fprintf(w, "  errors     %d", res.Errors)
	if res.Reconnects > 0 {
		fmt.Fprintf(w, " (%d reconnects)", res.Reconnects)
	}
	fmt.Fprintln(w)
	if res.Requests > 0 {
		l := res.Latency
		fmt.Fprintf(w, "  latency    p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
			fmtLatency(l.P50), fmtLatency(l.P90), fmtLatency(l.P99), fmtLatency(l.P999), fmtLatency(l.Max))
		fmt.Fprintf(w, "             min %s  mean %s  stddev %s\n",
			fmtLatency(l.Min), fmtLatency(l.Mean), fmtLatency(l.StdDev))
		if res.Rate > 0 {
			fmt.Fprintf(w, "             (measured from when each request was due)\n")
		}
	}
	if len(res.Buckets) > 0 {
		fmt.Fprintf(w, "\nLatency histogram:\n")
		writeBars(w, res.Buckets)
	}
	if len(res.ByKind) > 0 {
		fmt.Fprintf(w, "\nErrors:\n")
		for _, k := range kindNames(res.ByKind) {
			fmt.Fprintf(w, "  %-14s %d\n", k, res.ByKind[k])
		}
	}
}

// barWidth is the longest bar of the terminal histogram.
const barWidth = 40

// writeBars draws hey-style bars: "  upper-bound [count] |■■■■".
func writeBars(w io.Writer, bs []Bucket) {
	var most int64
	labels := make([]string, len(bs))
	lw, cw := 0, 0
	for i, b := range bs {
		most = max(most, b.Count)
		labels[i] = fmtLatency(b.UpTo)
		lw = max(lw, len([]rune(labels[i])))
		cw = max(cw, len(fmt.Sprint(b.Count)))
	}
	for i, b := range bs {
		n := 0
		if most > 0 {
			n = int((b.Count*barWidth + most - 1) / most)
		}
		pad := lw - len([]rune(labels[i]))
		fmt.Fprintf(w, "  %s%s [%*d] |%s\n", strings.Repeat(" ", pad), labels[i], cw, b.Count, strings.Repeat("■", n))
	}
}

// progressLine is the live line drawn over itself on a terminal.
func progressLine(p Progress) string {
	return fmt.Sprintf("\r\033[K  %5.1fs  %10d replies  %9.0f req/s  %d errors",
		p.Elapsed.Seconds(), p.Requests, p.RPS, p.Errors)
}

// clearLine erases the progress line.
const clearLine = "\r\033[K"
