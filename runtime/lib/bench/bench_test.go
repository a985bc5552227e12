package bench

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor"
)

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// clean fails unless res answered something and nothing failed.
func clean(t *testing.T, res *Result) {
	t.Helper()
	if res.Errors != 0 || res.Requests == 0 || len(res.ByKind) != 0 {
		var b bytes.Buffer
		WriteText(&b, res)
		t.Fatalf("want replies and no errors:\n%s", b.String())
	}
	if res.Hist.TotalCount() != res.Requests || res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 {
		t.Fatalf("histogram %d values, latency %+v for %d requests", res.Hist.TotalCount(), res.Latency, res.Requests)
	}
	var inBars int64
	for _, b := range res.Buckets {
		inBars += b.Count
	}
	if inBars != res.Requests {
		t.Fatalf("histogram bars hold %d of %d replies", inBars, res.Requests)
	}
}

func TestEchoGoNet(t *testing.T) {
	res := run(t, Config{URL: goEchoServer(t, nil), Conns: 8, Depth: 4, Size: 100, Duration: 300 * time.Millisecond})
	clean(t, res)
	if res.BytesOut < uint64(res.Requests*100) || res.BytesIn < uint64(res.Requests*100) {
		t.Fatalf("bytes out %d in %d for %d requests of 100 B", res.BytesOut, res.BytesIn, res.Requests)
	}
}

func TestEchoReactor(t *testing.T) {
	clean(t, run(t, Config{URL: reactorEchoServer(t), Conns: 16, Size: 1000, Duration: 300 * time.Millisecond}))
}

func TestLine(t *testing.T) {
	res := run(t, Config{URL: goLineServer(t, nil), Mode: "line", Conns: 4, Depth: 8, Size: 32, Duration: 300 * time.Millisecond})
	clean(t, res)
}

// A server that answers other lines is a mismatch unless --no-verify.
func TestLineNoVerify(t *testing.T) {
	url := goLineServer(t, func(string) string { return "+OK\n" })
	res := run(t, Config{URL: url, Mode: "line", Conns: 2, Requests: 50})
	if res.ByKind["mismatch"] != 50 || res.Requests != 0 {
		t.Fatalf("want 50 mismatches, got %d replies, %v", res.Requests, res.ByKind)
	}
	clean(t, run(t, Config{URL: url, Mode: "line", Conns: 2, Requests: 50, NoVerify: true}))
}

// A server that corrupts one byte now and then is caught, and only those
// replies count as mismatches.
func TestMismatchDetected(t *testing.T) {
	var chunks atomic.Int64
	url := goEchoServer(t, func(b []byte) {
		if chunks.Add(1)%10 == 0 {
			b[len(b)/2] ^= 0x20
		}
	})
	res := run(t, Config{URL: url, Conns: 4, Requests: 400})
	bad := res.ByKind["mismatch"]
	if bad == 0 || res.Errors != bad || res.Requests+bad != 400 {
		t.Fatalf("want some mismatches and 400 settled: %d ok, %v", res.Requests, res.ByKind)
	}
	// With depth 1 each chunk is one request: about one in ten corrupt.
	if bad < 20 || bad > 60 {
		t.Fatalf("%d mismatches in 400 requests, want about 40", bad)
	}
}

// -n sends exactly N requests: the server sees N*size bytes.
func TestExactCount(t *testing.T) {
	var got atomic.Int64
	url := goEchoServer(t, func(b []byte) { got.Add(int64(len(b))) })
	res := run(t, Config{URL: url, Conns: 7, Depth: 5, Size: 10, Requests: 1001})
	clean(t, res)
	if res.Requests != 1001 {
		t.Fatalf("requests %d, want 1001", res.Requests)
	}
	if got.Load() != 10010 {
		t.Fatalf("server read %d bytes, want 10010", got.Load())
	}
}

func TestHTTP(t *testing.T) {
	url := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("hello "))
			w.(http.Flusher).Flush() // no Content-Length: chunked
			w.Write([]byte("world"))
		case "/missing":
			http.NotFound(w, r)
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		default:
			w.Write([]byte("hello"))
		}
	}))
	clean(t, run(t, Config{URL: url + "/", Conns: 4, Duration: 300 * time.Millisecond}))
	clean(t, run(t, Config{URL: url + "/chunked", Conns: 4, Depth: 2, Duration: 300 * time.Millisecond}))
	res := run(t, Config{URL: url + "/close", Conns: 2, Requests: 40})
	clean(t, res)
	if res.Reconnects < 38 {
		t.Fatalf("%d reconnects after 40 'Connection: close' replies", res.Reconnects)
	}
	res = run(t, Config{URL: url + "/missing", Conns: 2, Requests: 30})
	if res.ByKind["http_404"] != 30 || res.Errors != 30 {
		t.Fatalf("want 30 http_404, got %v", res.ByKind)
	}
}

func TestWebSocket(t *testing.T) {
	res := run(t, Config{URL: wsEchoServer(t), Conns: 4, Depth: 2, Size: 300, Duration: 300 * time.Millisecond})
	clean(t, res)
}

func TestRedis(t *testing.T) {
	url := redisServer(t)
	for _, cmd := range []string{"mix", "set", "get", "ping"} {
		res := run(t, Config{URL: url, Command: cmd, Conns: 4, Depth: 8, Size: 20, Requests: 3000})
		clean(t, res)
		if res.Requests != 3000 {
			t.Fatalf("%s: %d replies, want 3000", cmd, res.Requests)
		}
	}
}

// A server that never answers: every request times out.
func TestTimeout(t *testing.T) {
	url := silentServer(t)
	res := run(t, Config{URL: url, Mode: "line", Conns: 3, Requests: 3, Timeout: 200 * time.Millisecond})
	if res.ByKind["timeout"] != 3 || res.Requests != 0 {
		t.Fatalf("want 3 timeouts, got %d replies, %v", res.Requests, res.ByKind)
	}
}

func TestDialRefused(t *testing.T) {
	_, err := Run(context.Background(), Config{URL: "tcp://127.0.0.1:1", Conns: 2, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") || !strings.Contains(err.Error(), "0 of 2") {
		t.Fatalf("want a dial error naming the address, got %v", err)
	}
}

// python3-websockets pings every 0.1 s and drops a client that does not
// answer: a clean run over 0.5 s shows the pongs work.
func TestWebSocketPython(t *testing.T) {
	clean(t, run(t, Config{URL: pythonWSServer(t), Conns: 4, Size: 100, Duration: 500 * time.Millisecond}))
}

func TestHTTPNginx(t *testing.T) {
	// nginx closes a keep-alive conn after 1000 requests (keepalive_requests):
	// the requests pipelined behind that reply go again on a new conn.
	res := run(t, Config{URL: nginxServer(t), Conns: 2, Depth: 4, Requests: 3000})
	clean(t, res)
	if res.Requests != 3000 || res.Reconnects < 2 {
		t.Fatalf("%d replies, %d reconnects; want 3000 and at least 2", res.Requests, res.Reconnects)
	}
}

func TestEchoUnix(t *testing.T) {
	dir, err := os.MkdirTemp("", "nb") // short: a socket path has ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	eng, err := reactor.New(reactor.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Stop(context.Background())
	url := "unix://" + dir + "/echo.sock"
	if _, err := eng.Listen(url, reactorEcho{}, reactor.ListenConfig{}); err != nil {
		t.Fatal(err)
	}
	res := run(t, Config{URL: url, Conns: 3, Requests: 300})
	clean(t, res)
	if res.Requests != 300 {
		t.Fatalf("%d replies, want 300", res.Requests)
	}
}
