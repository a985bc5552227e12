package proxy

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

const usage = `usage: netplay proxy LISTEN UPSTREAM [flags]

Relays LISTEN to UPSTREAM through faults until interrupted (Ctrl-C), printing
a line per conn opened and closed and the counters at exit. Addresses are
URLs (tcp://127.0.0.1:9000, udp://:9001, unix:///tmp/x.sock), host:port, or
a port alone (127.0.0.1). Flags may come before, between or after them.

  --latency DUR       delay each chunk (100ms, 1.5s)
  --jitter DUR        +/- random part of the delay; chunks keep their order
  --bandwidth KBPS    limit each direction of a conn to KBPS KB/s (1 KB = 1000 bytes)
  --slicer AVG[,VAR[,DELAY]]
                      split chunks into AVG +/- VAR byte slices, DELAY apart (e.g. 1,0,1ms)
  --timeout DUR       drop data and close after DUR (0: hold the conn open forever)
  --reset-peer DUR    reset (TCP RST) DUR after the first data
  --limit-data N      close after N bytes in a direction
  --slow-close DUR    delay passing a close on by DUR
  --down              refuse conns (the listener is closed)
  --stream S          up|upstream (client->server), down|downstream, both (default)
  --toxicity F        fraction of conns affected, drawn per conn (default 1)
  --loss F            udp: drop a datagram with probability F
  --duplicate F       udp: send a datagram twice with probability F
  --reorder F         udp: hold a datagram back behind the next with probability F
  --seed N            seed the random draws, to repeat a run
  -q, --quiet         no per-conn lines
  -h, --help          this help
`

// Main runs `netplay proxy LISTEN UPSTREAM [flags]` until SIGINT or
// SIGTERM. It returns 0 after a clean run, 1 if the proxy could not start,
// 2 for a usage error.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdout, stderr)
}

// cliOpts is what the command line asks for.
type cliOpts struct {
	listen, upstream string
	faults           Faults
	seed             uint64
	quiet            bool
}

// errHelp is parseArgs' answer to -h.
var errHelp = errors.New("help")

// parseArgs reads positional arguments and flags in any order.
func parseArgs(args []string) (*cliOpts, error) {
	o := &cliOpts{}
	f := &o.faults
	fs := flag.NewFlagSet("netplay proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	durFlag := func(name string, dst *time.Duration) {
		fs.Func(name, "", func(s string) error { return parseDur(s, dst) })
	}
	optDurFlag := func(name string, dst **time.Duration) {
		fs.Func(name, "", func(s string) error {
			var d time.Duration
			if err := parseDur(s, &d); err != nil {
				return err
			}
			*dst = &d
			return nil
		})
	}
	durFlag("latency", &f.Latency)
	durFlag("jitter", &f.Jitter)
	durFlag("slow-close", &f.SlowClose)
	optDurFlag("timeout", &f.Timeout)
	optDurFlag("reset-peer", &f.ResetPeer)
	fs.IntVar(&f.Bandwidth, "bandwidth", 0, "")
	fs.Int64Var(&f.LimitData, "limit-data", 0, "")
	fs.BoolVar(&f.Down, "down", false, "")
	fs.Func("stream", "", func(s string) (err error) { f.Stream, err = ParseStream(s); return err })
	fs.Func("toxicity", "", func(s string) error {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || v > 1 {
			return fmt.Errorf("want a fraction in [0, 1], got %q", s)
		}
		if v == 0 {
			v = -1 // toxicity 0 on the command line means no conn
		}
		f.Toxicity = v
		return nil
	})
	fs.Float64Var(&f.Loss, "loss", 0, "")
	fs.Float64Var(&f.Duplicate, "duplicate", 0, "")
	fs.Float64Var(&f.Reorder, "reorder", 0, "")
	fs.Func("slicer", "", func(s string) error { return parseSlicer(s, f) })
	fs.Uint64Var(&o.seed, "seed", 0, "")
	fs.BoolVar(&o.quiet, "quiet", false, "")
	fs.BoolVar(&o.quiet, "q", false, "")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != 2 {
		return nil, fmt.Errorf("want LISTEN and UPSTREAM, got %d argument(s)", len(pos))
	}
	o.listen, o.upstream = addrURL(pos[0]), addrURL(pos[1])
	return o, nil
}

// parseDur reads a Go duration; a bare number other than 0 is refused, as
// Toxiproxy's milliseconds and netplay's Lua seconds would disagree on it.
func parseDur(s string, dst *time.Duration) error {
	if s == "0" {
		*dst = 0
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("want a duration such as 100ms or 1.5s, got %q", s)
	}
	*dst = d
	return nil
}

// parseSlicer reads AVG[,VAR[,DELAY]].
func parseSlicer(s string, f *Faults) error {
	parts := strings.Split(s, ",")
	if len(parts) > 3 {
		return fmt.Errorf("want AVG[,VAR[,DELAY]], got %q", s)
	}
	sl := &Slicer{}
	var err error
	if sl.AverageSize, err = strconv.Atoi(parts[0]); err != nil {
		return fmt.Errorf("average size: want bytes, got %q", parts[0])
	}
	if len(parts) > 1 {
		if sl.SizeVariation, err = strconv.Atoi(parts[1]); err != nil {
			return fmt.Errorf("size variation: want bytes, got %q", parts[1])
		}
	}
	if len(parts) > 2 {
		if err := parseDur(parts[2], &sl.Delay); err != nil {
			return fmt.Errorf("delay: %w", err)
		}
	}
	f.Slicer = sl
	return nil
}

// addrURL turns host:port or a bare port into a tcp:// URL; URLs pass.
func addrURL(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	if _, err := strconv.Atoi(s); err == nil {
		return "tcp://127.0.0.1:" + s
	}
	return "tcp://" + s
}

// syncWriter serializes lines written from several loops.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) printf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.w, format, args...)
}

// run is Main with the stop signal as a context (tests cancel it).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err == errHelp {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "netplay proxy: %v\n%s", err, usage)
		return 2
	}
	udp := strings.HasPrefix(o.listen, "udp")
	if err := o.faults.Validate(udp); err != nil {
		fmt.Fprintf(stderr, "netplay proxy: %v\n", err)
		return 2
	}
	out := &syncWriter{w: stdout}
	stamp := func() string { return time.Now().Format("15:04:05.000") }
	cfg := Config{Faults: o.faults, Seed: o.seed}
	if !o.quiet {
		cfg.OnOpen = func(ci ConnInfo) *Faults {
			out.printf("%s open  #%d %v [%s]\n", stamp(), ci.ID, ci.Client, ci.Faults)
			return nil
		}
		cfg.OnClose = func(ci ConnInfo, err error) {
			why := "closed"
			if err != nil {
				why = err.Error()
			}
			out.printf("%s close #%d %v up %d B down %d B after %v (%s)\n", stamp(), ci.ID, ci.Client,
				ci.BytesUp, ci.BytesDown, time.Since(ci.OpenedAt).Round(time.Millisecond), why)
		}
	}
	eng, err := reactor.New()
	if err != nil {
		fmt.Fprintf(stderr, "netplay proxy: %v\n", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		eng.Stop(sctx)
	}()
	p, err := New(eng, o.listen, o.upstream, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "netplay proxy: %v\n", err)
		return 1
	}
	out.printf("%s proxy %s -> %s [%s]\n", stamp(), p.URL(), p.Upstream(), o.faults.String())
	<-ctx.Done()
	cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	p.Close(cctx)
	cancel()
	out.printf("%s %s\n", stamp(), statsLine(p.Stats()))
	return 0
}

// statsLine is the one-line summary printed at exit.
func statsLine(s Stats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stats: %d conns, up %d B, down %d B", s.Opened, s.BytesUp, s.BytesDown)
	if s.DialErrors > 0 {
		fmt.Fprintf(&b, ", %d dial errors", s.DialErrors)
	}
	fs := s.Faults
	var parts []string
	for _, c := range []struct {
		name string
		n    uint64
	}{
		{"delayed", fs.Delayed}, {"paced", fs.Paced}, {"sliced", fs.Sliced}, {"dropped B", fs.Dropped},
		{"timed out", fs.TimedOut}, {"reset", fs.Reset}, {"limited", fs.Limited}, {"slow closes", fs.SlowClosed},
		{"cut", fs.Cut}, {"refused", fs.Refused}, {"lost", fs.Lost}, {"duplicated", fs.Duplicated},
		{"reordered", fs.Reordered},
	} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.name, c.n))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(&b, "; faults: %s", strings.Join(parts, ", "))
	}
	return b.String()
}
