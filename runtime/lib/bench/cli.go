package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const usage = `usage: netplay bench URL [-c 50] [-d 10s] [-n N] [--size 64] [--depth 1]
                     [--rate R] [--mode echo|line|redis|http|ws] [--json]

Load URL with many conns on netplay's reactor and report requests/s,
latency percentiles, a latency histogram and errors by kind.

URL: tcp://host:port (or host:port), unix:///path, redis://host:port,
     http://host:port/path, ws://host:port/path

flags (anywhere on the line):
`

// Main implements `netplay bench`: args are the words after "bench". It
// prints the report (or, with --json, one JSON object) on stdout and
// returns the exit code: 0 when every request was answered as expected,
// 1 when the run failed or any request failed, 2 on a usage error.
// SIGINT or SIGTERM ends the run early and still prints the report.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, asJSON, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "netplay bench: %v\n(netplay bench -h for help)\n", err)
		return 2
	}
	if _, err := cfg.withDefaults(); err != nil {
		fmt.Fprintf(stderr, "netplay %v\n", err)
		return 2
	}
	if _, err := parseTarget(cfg.URL, cfg.Mode); err != nil {
		fmt.Fprintf(stderr, "netplay %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	live := !asJSON && isTerminal(stdout)
	if live {
		cfg.Progress = func(p Progress) { fmt.Fprint(stdout, progressLine(p)) }
	}
	res, err := Run(ctx, cfg)
	if live {
		fmt.Fprint(stdout, clearLine)
	}
	if err != nil {
		fmt.Fprintf(stderr, "netplay %v\n", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "netplay bench: write json: %v\n", err)
			return 1
		}
	} else {
		WriteText(stdout, res)
	}
	if res.Errors > 0 || res.Requests == 0 {
		return 1
	}
	return 0
}

// parseArgs reads the flags (anywhere on the line) and the one URL.
func parseArgs(args []string, stderr io.Writer) (Config, bool, error) {
	var cfg Config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.Conns, "c", DefaultConns, "conns")
	dur := fs.String("d", "", "duration: 10s, 1m, or seconds (default 10s, none with -n)")
	fs.Int64Var(&cfg.Requests, "n", 0, "send exactly N requests in all, then stop")
	fs.IntVar(&cfg.Size, "size", DefaultSize, "request payload in bytes (echo, line, ws, redis values)")
	fs.IntVar(&cfg.Depth, "depth", DefaultDepth, "requests in flight per conn (pipelining)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: R requests/s in all, latency from when each was due")
	fs.StringVar(&cfg.Mode, "mode", "", "echo|line|redis|http|ws (default: from the URL's scheme, else echo)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the report")
	timeout := fs.String("timeout", "5s", "connect and per-request timeout")
	fs.StringVar(&cfg.Command, "cmd", "mix", "redis workload: mix (SET, GET, PING), set, get or ping")
	fs.BoolVar(&cfg.NoVerify, "no-verify", false, "accept any reply of the right framing")
	fs.IntVar(&cfg.Loops, "loops", 0, "reactor loops (0: GOMAXPROCS)")
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stderr, usage)
				fs.SetOutput(stderr)
				fs.PrintDefaults()
			}
			return cfg, false, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(rest) {
	case 0:
		return cfg, false, errors.New("missing URL")
	case 1:
		cfg.URL = rest[0]
	default:
		return cfg, false, fmt.Errorf("one URL expected, got %d: %s", len(rest), strings.Join(rest, " "))
	}
	var err error
	if *dur != "" {
		if cfg.Duration, err = parseDuration(*dur); err != nil {
			return cfg, false, fmt.Errorf("-d %q: %v", *dur, err)
		}
		if cfg.Duration <= 0 {
			return cfg, false, fmt.Errorf("-d %q: must be positive", *dur)
		}
	}
	if cfg.Timeout, err = parseDuration(*timeout); err != nil || cfg.Timeout <= 0 {
		return cfg, false, fmt.Errorf("--timeout %q: want a positive duration", *timeout)
	}
	// Zero means "default" in Config; on the command line it is a mistake.
	for _, f := range []struct {
		name string
		v    int64
	}{{"-c", int64(cfg.Conns)}, {"-n", cfg.Requests + 1}, {"--size", int64(cfg.Size)}, {"--depth", int64(cfg.Depth)}} {
		if f.v < 1 {
			return cfg, false, fmt.Errorf("%s must be at least 1", f.name)
		}
	}
	return cfg, *asJSON, nil
}

// parseDuration accepts Go durations (1.5s, 200ms, 1m) and plain seconds.
func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	return time.ParseDuration(s)
}
