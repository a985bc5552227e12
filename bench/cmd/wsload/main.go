// Command wsload is the WebSocket benchmark's closed-loop load generator:
// -c conns each do the opening handshake, then send -depth masked text
// messages of -size bytes in one write and read -depth echoes back,
// checking every byte, over and over.
//
//	wsload -addr 127.0.0.1:PORT [-path /] [-c 50] [-size 64] [-depth 1] [-d 5s] [-warmup 1s]
//
// Framing uses netplay's codecs/ws (client side: a fresh mask per frame);
// it is checked against python-websockets, node ws and gorilla/websocket
// in codecs/ws's tests, and is cheap enough to leave the CPU to the
// server. The output is one line in loadgen's format, so bench/run.sh's
// summary reads it:
//
//	mode=ws c=50 size=64 depth=1 dur_s=5.000 reqs=N rps=N mbps=N p50_us=N p99_us=N p999_us=N max_us=N errors=N mismatches=N
//
// Only messages whose echo completed inside [warmup, warmup+d) count.
// Exit status 1 if any error or mismatch occurred.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	ws "github.com/netplay-lab/netplay/codecs/ws"
)

type config struct {
	addr, path         string
	conns, size, depth int
	dur, warmup        time.Duration
}

type result struct {
	lat                []time.Duration // per message, inside the window
	errors, mismatches int64
	firstErr           error
}

func main() {
	var cfg config
	flag.StringVar(&cfg.addr, "addr", "", "server host:port (loopback)")
	flag.StringVar(&cfg.path, "path", "/", "request path")
	flag.IntVar(&cfg.conns, "c", 50, "connections")
	flag.IntVar(&cfg.size, "size", 64, "message size in bytes")
	flag.IntVar(&cfg.depth, "depth", 1, "messages in flight per connection")
	flag.DurationVar(&cfg.dur, "d", 5*time.Second, "measured duration")
	flag.DurationVar(&cfg.warmup, "warmup", time.Second, "unmeasured warmup")
	flag.Parse()
	if cfg.addr == "" || cfg.conns < 1 || cfg.size < 0 || cfg.depth < 1 {
		fmt.Fprintln(os.Stderr, "usage: wsload -addr HOST:PORT [-c N] [-size N] [-depth N] [-d DUR] [-warmup DUR]")
		os.Exit(2)
	}
	conns := make([]net.Conn, cfg.conns)
	for i := range conns {
		c, err := handshake(cfg)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wsload: conn %d: %v\n", i, err)
			os.Exit(1)
		}
		conns[i] = c
	}
	start := time.Now()
	from, until := start.Add(cfg.warmup), start.Add(cfg.warmup+cfg.dur)
	results := make([]result, cfg.conns)
	var wg sync.WaitGroup
	var stop atomic.Bool
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = run(c, cfg, from, until, &stop)
		}()
	}
	wg.Wait()
	var all []time.Duration
	var errs, mism int64
	var firstErr error
	for _, r := range results {
		all = append(all, r.lat...)
		errs += r.errors
		mism += r.mismatches
		if firstErr == nil {
			firstErr = r.firstErr
		}
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Nanoseconds()) / 1e3
	}
	secs := cfg.dur.Seconds()
	rps := float64(len(all)) / secs
	maxUs := 0.0
	if len(all) > 0 {
		maxUs = float64(all[len(all)-1].Nanoseconds()) / 1e3
	}
	fmt.Printf("mode=ws c=%d size=%d depth=%d dur_s=%.3f reqs=%d rps=%.0f mbps=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f errors=%d mismatches=%d\n",
		cfg.conns, cfg.size, cfg.depth, secs, len(all), rps, rps*float64(cfg.size)/1e6, pct(0.5), pct(0.99), pct(0.999), maxUs, errs, mism)
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "wsload: first error: %v\n", firstErr)
	}
	if errs > 0 || mism > 0 {
		os.Exit(1)
	}
}

// handshake dials addr and upgrades the conn.
func handshake(cfg config) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", cfg.addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	key := ws.NewKey()
	if _, err := c.Write(ws.AppendRequest(nil, ws.ClientRequest{Host: cfg.addr, Path: cfg.path, Key: key})); err != nil {
		c.Close()
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf []byte
	rd := make([]byte, 4096)
	for {
		n, err := c.Read(rd)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("handshake with %s: %w", cfg.addr, err)
		}
		buf = append(buf, rd[:n]...)
		h, used, err := ws.ParseResponseHead(buf, 0)
		if err != nil {
			c.Close()
			return nil, err
		}
		if h == nil {
			continue
		}
		if _, _, err := ws.CheckResponse(h, key, nil); err != nil {
			c.Close()
			return nil, err
		}
		if used != len(buf) {
			c.Close()
			return nil, fmt.Errorf("%d bytes after the 101 before any message", len(buf)-used)
		}
		c.SetReadDeadline(time.Time{})
		return c, nil
	}
}

// run drives one conn until until, recording latencies inside [from, until).
func run(c net.Conn, cfg config, from, until time.Time, stop *atomic.Bool) (r result) {
	defer c.Close()
	wc := ws.NewConn(ws.Client, ws.Config{MaxMessage: int64(cfg.size) + 1})
	payload := bytes.Repeat([]byte("x"), cfg.size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}
	out := make([]byte, 0, cfg.depth*(cfg.size+14))
	buf := make([]byte, 0, 64<<10) // buf[start:] is read and not yet decoded
	start := 0
	fail := func(err error) result {
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
		return r
	}
	for {
		sent := time.Now()
		if !sent.Before(until) || stop.Load() {
			return r
		}
		out = out[:0]
		for range cfg.depth {
			out, _ = wc.AppendText(out, payload)
		}
		c.SetDeadline(sent.Add(10 * time.Second))
		if _, err := c.Write(out); err != nil {
			return fail(err)
		}
		for got := 0; got < cfg.depth; {
			m, n, err := wc.Decode(buf[start:])
			if err != nil {
				return fail(err)
			}
			if m.Kind == ws.KindNone && n == 0 {
				buf = append(buf[:0], buf[start:]...)
				start = 0
				if len(buf) == cap(buf) {
					buf = slices.Grow(buf, len(buf))
				}
				k, err := c.Read(buf[len(buf):cap(buf)])
				if err != nil {
					return fail(err)
				}
				buf = buf[:len(buf)+k]
				continue
			}
			start += n
			if m.Kind == ws.KindNone {
				continue
			}
			if m.Kind != ws.KindText || !bytes.Equal(m.Data, payload) {
				r.mismatches++
			}
			got++
			if now := time.Now(); !now.Before(from) && now.Before(until) {
				r.lat = append(r.lat, now.Sub(sent))
			}
		}
	}
}
