// Command wsidle measures the resident memory idle WebSocket clients cost a
// server: it opens -n conns to a running server, does the opening
// handshake on each, reads the server's VmRSS from /proc/PID/status, then
// has every conn echo one -size byte text message and reads it again.
//
//	wsidle -pid PID -addr 127.0.0.1:PORT [-n 10000] [-size 64] [-name NAME]
//
// It prints one line:
//
//	server=NAME conns=N rss_before_kib=N rss_open_kib=N rss_echoed_kib=N open_bytes_per_conn=N echoed_bytes_per_conn=N
//
// Linux only (it reads /proc). Go's runtime raises this process's
// RLIMIT_NOFILE to the hard limit, which must allow -n conns; the server
// must allow them too.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/netplay-lab/netplay/bench/idle"
	ws "github.com/netplay-lab/netplay/codecs/ws"
)

func main() {
	pid := flag.Int("pid", 0, "server process")
	addr := flag.String("addr", "", "server host:port")
	n := flag.Int("n", 10000, "conns")
	size := flag.Int("size", 64, "bytes each conn echoes once")
	name := flag.String("name", "", "server name in the output")
	settle := flag.Duration("settle", time.Second, "pause before each reading")
	flag.Parse()
	if *pid == 0 || *addr == "" {
		fmt.Fprintln(os.Stderr, "usage: wsidle -pid PID -addr HOST:PORT [-n N]")
		os.Exit(2)
	}
	if *name == "" {
		*name = fmt.Sprintf("pid%d", *pid)
	}
	time.Sleep(*settle)
	before := rss(*pid)
	conns := make([]net.Conn, *n)
	readers := make([]*bufio.Reader, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // handshakes in flight
	var mu sync.Mutex
	var firstErr error
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, rd, err := handshake(*addr)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("conn %d: %w", i, err)
				}
				mu.Unlock()
				return
			}
			conns[i], readers[i] = c, rd
		}()
	}
	wg.Wait()
	if firstErr != nil {
		fatal(firstErr)
	}
	time.Sleep(*settle)
	open := rss(*pid)
	msg := bytes.Repeat([]byte("i"), *size)
	for i, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := echo(c, readers[i], msg); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("echo on conn %d: %w", i, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		fatal(firstErr)
	}
	time.Sleep(*settle)
	echoed := rss(*pid)
	per := func(v int64) int64 { return (v - before) / int64(*n) }
	fmt.Printf("server=%s conns=%d rss_before_kib=%d rss_open_kib=%d rss_echoed_kib=%d open_bytes_per_conn=%d echoed_bytes_per_conn=%d\n",
		*name, *n, before>>10, open>>10, echoed>>10, per(open), per(echoed))
	for _, c := range conns {
		c.Close()
	}
}

func rss(pid int) int64 {
	v, err := idle.VmRSS(pid)
	if err != nil {
		fatal(err)
	}
	return v
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "wsidle: %v\n", err)
	os.Exit(1)
}

func handshake(addr string) (net.Conn, *bufio.Reader, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	key := ws.NewKey()
	if _, err := c.Write(ws.AppendRequest(nil, ws.ClientRequest{Host: addr, Key: key})); err != nil {
		c.Close()
		return nil, nil, err
	}
	rd := bufio.NewReaderSize(c, 512)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		head = append(head, line...)
	}
	h, _, err := ws.ParseResponseHead(head, 0)
	if err == nil {
		_, _, err = ws.CheckResponse(h, key, nil)
	}
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	c.SetDeadline(time.Time{})
	return c, rd, nil
}

func echo(c net.Conn, rd *bufio.Reader, msg []byte) error {
	wc := ws.NewConn(ws.Client, ws.Config{})
	out, _ := wc.AppendText(nil, msg)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(out); err != nil {
		return err
	}
	var buf []byte
	for {
		b, err := rd.ReadByte()
		if err != nil {
			return err
		}
		buf = append(buf, b)
		m, _, err := wc.Decode(buf)
		if err != nil {
			return err
		}
		if m.Kind == ws.KindText {
			if !bytes.Equal(m.Data, msg) {
				return fmt.Errorf("echo differs")
			}
			return nil
		}
	}
}
