package http_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A client pipelining 32 MiB of requests at a handler that is busy with
// the first one: the server stops reading at the inflow bound (1 MiB per
// conn; before, it read all 32 MiB into the conn's buffer), loses nothing,
// answers every request in order, and a second client is answered at once.
func TestPipelinedFloodIsBounded(t *testing.T) {
	l := newLab(t)
	addr := l.serve(`function(req)
  if req.path == '/0' then while not release do sleep(0.01) end end
  return 200, nil, req.path
end`, "{max_requests_per_conn = 100000}")
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pad := strings.Repeat("p", 1000)
	const n = 32 << 10 // requests of about 1 KiB: 32 MiB
	var written atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		c.SetWriteDeadline(time.Now().Add(20 * time.Second))
		w := bufio.NewWriterSize(c, 64<<10)
		for i := range n {
			k, err := fmt.Fprintf(w, "GET /%d HTTP/1.1\r\nHost: a\r\nX-Pad: %s\r\n\r\n", i, pad)
			if err != nil {
				wrote <- err
				return
			}
			written.Add(int64(k))
		}
		wrote <- w.Flush()
	}()
	// the writer stalls once the server stops reading (plus what the
	// kernel's socket buffers hold)
	var last int64 = -1
	waitFor(t, "the writer to stall", 10*time.Second, func() bool {
		cur := written.Load()
		stalled := cur == last && cur > 0
		last = cur
		time.Sleep(100 * time.Millisecond)
		return stalled
	})
	if w := written.Load(); w > 20<<20 {
		t.Fatalf("the server took %d MiB of pipelined requests while the handler was busy", w>>20)
	}
	if peak, _ := strconv.Atoi(l.eval("return stats().queued_bytes_peak")); peak > 1<<20+128<<10 || peak < 1<<19 {
		t.Errorf("queued_bytes_peak %d; want about the 1 MiB per-conn bound", peak)
	}
	// a bystander on the same server is answered at once
	start := time.Now()
	rc := dialRaw(t, addr)
	rc.send("GET /other HTTP/1.1\r\nHost: a\r\n\r\n")
	if _, _, body := rc.response(2 * time.Second); body != "/other" {
		t.Fatalf("bystander got %q", body)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("bystander answered after %v", d)
	}
	l.eval("release = true")
	r := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for i := range n {
		body, err := readBody(r)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if body != "/"+strconv.Itoa(i) {
			t.Fatalf("response %d is for %s", i, body)
		}
	}
	if err := <-wrote; err != nil {
		t.Fatalf("writing: %v", err)
	}
}

// readBody reads one response with a Content-Length body and returns it.
func readBody(r *bufio.Reader) (string, error) {
	size := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			size, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if size < 0 {
		return "", fmt.Errorf("no Content-Length")
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return string(b), err
}
