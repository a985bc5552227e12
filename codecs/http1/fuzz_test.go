package http1

import (
	"strings"
	"testing"

	"github.com/netplay-lab/netplay/codecs/http1/http1test"
)

// fuzzLimits are small so the fuzzer reaches every limit.
var fuzzLimits = Limits{MaxRequestLine: 64, MaxHeaderBytes: 128, MaxHeaderFields: 6, MaxBodyBytes: 256}

// fuzzBound is the most a decoder under fuzzLimits may leave buffered while
// it waits: a head (start line + field section), or a chunk-size line, or
// a trailer section, plus a few bytes of slack.
const fuzzBound = 64 + 2 + 128 + maxChunkLine + 8

func seedRequests(f *testing.F) {
	for _, tc := range http1test.StrictCases {
		if len(tc.In) < 512 {
			f.Add([]byte(tc.In), []byte{3, 1, 4})
		}
	}
	f.Add([]byte("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"), []byte{7})
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n"), []byte{2, 9})
	f.Add([]byte("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n"), []byte{1})
}

// FuzzRequestDecoder checks split invariance (whole, byte by byte and split
// by cuts give the same requests and error), bounded buffering and no panic.
func FuzzRequestDecoder(f *testing.F) {
	seedRequests(f)
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		out := checkSplits(t, func() func([]byte) (string, int, error) { return requestDecode(fuzzLimits) }, data, cuts, fuzzBound)
		if out.Err != "" && out.Status != 400 && out.Status != 413 && out.Status != 414 && out.Status != 431 && out.Status != 501 && out.Status != 505 {
			t.Fatalf("unexpected status %d: %s", out.Status, out.Err)
		}
	})
}

// FuzzResponseDecoder is FuzzRequestDecoder for responses; headFlags says
// which responses answer HEAD.
func FuzzResponseDecoder(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 204 No Content\r\n\r\n"), []byte{3}, uint8(0))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX: y\r\n\r\n"), []byte{1, 5}, uint8(0))
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest"), []byte{4}, uint8(1))
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\nxyz"), []byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, data, cuts []byte, headFlags uint8) {
		heads := make([]bool, 8)
		for i := range heads {
			heads[i] = headFlags&(1<<i) != 0
		}
		checkSplits(t, func() func([]byte) (string, int, error) { return responseDecode(fuzzLimits, heads...) }, data, cuts, fuzzBound)
	})
}

func BenchmarkRequestDecoder(b *testing.B) {
	req := "GET /index.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n"
	benchRequests(b, strings.Repeat(req, 100), 100)
}

func BenchmarkRequestDecoderPOST(b *testing.B) {
	req := "POST /api HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"name\":\"netplay\",\"n\":1234}"
	benchRequests(b, strings.Repeat(req, 100), 100)
}

func benchRequests(b *testing.B, stream string, want int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	d := NewRequestDecoder(Limits{})
	in := []byte(stream)
	b.ResetTimer()
	for b.Loop() {
		buf, got := in, 0
		for {
			r, n, err := d.Decode(buf)
			if err != nil {
				b.Fatal(err)
			}
			if r != nil {
				got++
			} else if n == 0 {
				break
			}
			buf = buf[n:]
		}
		if got != want {
			b.Fatalf("%d requests, want %d", got, want)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*want), "ns/req")
}

func BenchmarkAppendResponse(b *testing.B) {
	b.ReportAllocs()
	fields := []Pair{{"Date", "Fri, 04 Dec 2026 14:00:00 GMT"}, {"Server", "netplay"}, {"Content-Type", "text/plain"}}
	body := []byte("hello")
	var dst []byte
	for b.Loop() {
		dst, _ = AppendResponse(dst[:0], 200, fields, body, false)
	}
}
