// Package idle measures what idle TCP connections cost a server process: it
// opens many connections to the server, lets them sit, and reads the
// server's resident set size (VmRSS in /proc/PID/status) before and after.
//
// Measure works on Linux only (it reads /proc).
package idle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config says which server to measure and how. The zero value of every field
// but PID and Addr has a default.
type Config struct {
	PID     int           // server process to read VmRSS and open fds from; required
	Addr    string        // server's host:port; required
	Conns   int           // idle connections to open; 0 -> 10000
	Size    int           // bytes each conn echoes once in the second phase; 0 -> 64
	Settle  time.Duration // pause before each RSS reading; 0 -> 1s
	Timeout time.Duration // bound for each phase (dialing, accepting, echoing); 0 -> 60s
}

// Result holds the server's VmRSS, in bytes, at the three points of a
// measurement.
type Result struct {
	Conns     int   // connections held open
	RSSBefore int64 // before any benchmark connection was opened
	RSSOpen   int64 // with Conns connections accepted and never used
	RSSEchoed int64 // after each connection echoed Size bytes once and went idle again
}

// OpenPerConn returns the RSS growth per connection that was opened and never
// used, in bytes.
func (r Result) OpenPerConn() int64 { return perConn(r.RSSOpen-r.RSSBefore, r.Conns) }

// EchoedPerConn returns the RSS growth per connection that echoed once and
// went idle, in bytes.
func (r Result) EchoedPerConn() int64 { return perConn(r.RSSEchoed-r.RSSBefore, r.Conns) }

func perConn(d int64, n int) int64 {
	if n == 0 {
		return 0
	}
	return d / int64(n)
}

func (c *Config) defaults() {
	if c.Conns <= 0 {
		c.Conns = 10000
	}
	if c.Size <= 0 {
		c.Size = 64
	}
	if c.Settle <= 0 {
		c.Settle = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
}

// Measure opens cfg.Conns connections to cfg.Addr, waits until the server
// process cfg.PID holds a descriptor for each, reads its VmRSS, then has every
// connection echo cfg.Size bytes once and reads VmRSS again. All connections
// are closed before Measure returns. The caller's RLIMIT_NOFILE must allow
// cfg.Conns descriptors.
func Measure(cfg Config) (Result, error) {
	cfg.defaults()
	if cfg.PID <= 0 || cfg.Addr == "" {
		return Result{}, errors.New("idle: measure needs a pid and an address")
	}
	res := Result{Conns: cfg.Conns}
	time.Sleep(cfg.Settle) // let the server finish starting before the baseline
	var err error
	if res.RSSBefore, err = VmRSS(cfg.PID); err != nil {
		return res, err
	}
	fdsBefore, err := OpenFDs(cfg.PID)
	if err != nil {
		return res, err
	}

	conns := make([]net.Conn, 0, cfg.Conns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	deadline := time.Now().Add(cfg.Timeout)
	for len(conns) < cfg.Conns {
		c, err := net.DialTimeout("tcp", cfg.Addr, time.Until(deadline))
		if err != nil {
			return res, fmt.Errorf("idle: dial %s (conn %d): %w", cfg.Addr, len(conns)+1, err)
		}
		conns = append(conns, c)
	}
	want := fdsBefore + cfg.Conns
	if err := waitFDs(cfg.PID, want, deadline); err != nil {
		return res, err
	}
	time.Sleep(cfg.Settle)
	if res.RSSOpen, err = VmRSS(cfg.PID); err != nil {
		return res, err
	}

	deadline = time.Now().Add(cfg.Timeout)
	msg := bytes.Repeat([]byte{'x'}, cfg.Size)
	got := make([]byte, cfg.Size)
	for i, c := range conns {
		if err := c.SetDeadline(deadline); err != nil {
			return res, err
		}
		if _, err := c.Write(msg); err != nil {
			return res, fmt.Errorf("idle: write %s (conn %d): %w", cfg.Addr, i+1, err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			return res, fmt.Errorf("idle: read echo %s (conn %d): %w", cfg.Addr, i+1, err)
		}
		if !bytes.Equal(got, msg) {
			return res, fmt.Errorf("idle: echo mismatch from %s (conn %d)", cfg.Addr, i+1)
		}
	}
	time.Sleep(cfg.Settle)
	if res.RSSEchoed, err = VmRSS(cfg.PID); err != nil {
		return res, err
	}
	return res, nil
}

// waitFDs waits until process pid holds at least want descriptors.
func waitFDs(pid, want int, deadline time.Time) error {
	for {
		n, err := OpenFDs(pid)
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("idle: process %d holds %d fds, want %d: server did not accept every conn in time", pid, n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// VmRSS returns the resident set size of process pid in bytes, from
// /proc/PID/status.
func VmRSS(pid int) (int64, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("idle: read rss: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("idle: read rss %s: unexpected line %q", path, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("idle: read rss %s: %w", path, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("idle: read rss %s: %w", path, err)
	}
	return 0, fmt.Errorf("idle: read rss %s: no VmRSS line", path)
}

// OpenFDs returns the number of descriptors process pid holds, from
// /proc/PID/fd.
func OpenFDs(pid int) (int, error) {
	path := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(path)
	if err != nil {
		return 0, fmt.Errorf("idle: count fds: %w", err)
	}
	return len(ents), nil
}
