package http1

import (
	"github.com/netplay-lab/netplay/codecs/http1/http1test"
	"strings"
	"testing"
)

func TestStrictRequests(t *testing.T) {
	for _, tc := range http1test.StrictCases {
		tc := tc
		t.Run(tc.Name, func(t *testing.T) {
			var cuts []byte
			if len(tc.In) > 4096 { // byte by byte is slow for megabytes
				cuts = []byte{200, 31, 97}
			}
			var got outcome
			if len(tc.In) > 1<<16 {
				got = decodeStream(t, requestDecode(Limits{}), [][]byte{[]byte(tc.In)}, 0)
			} else {
				got = checkSplits(t, func() func([]byte) (string, int, error) { return requestDecode(Limits{}) }, []byte(tc.In), cuts, 0)
			}
			if got.Status != tc.Status {
				t.Fatalf("status %d (%s), want %d; messages %q", got.Status, got.Err, tc.Status, got.Msgs)
			}
			if len(got.Msgs) != 0 {
				t.Fatalf("a message came out before the error: %q", got.Msgs)
			}
		})
	}
}

// TestStrictErrorText checks that errors name what was wrong and the limit.
func TestStrictErrorText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GET / HTTP/1.1\r\nHost : a\r\n\r\n", `http1: 400 Bad Request: whitespace between field name "Host" and ':'`},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00\r\n\r\n", `http1: 400 Bad Request: NUL in the value of field "X"`},
		{"GET / HTTP/2.0\r\n\r\n", `http1: 505 HTTP Version Not Supported: HTTP version HTTP/2.0 not supported (1.0 and 1.1 are)`},
		{"GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: a\r\n", 100) + "\r\n", `http1: 431 Request Header Fields Too Large: more than 100 header fields`},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9000000\r\n\r\n", `http1: 413 Content Too Large: Content-Length 9000000 over max_body_bytes 8388608`},
		{"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", `http1: 501 Not Implemented: transfer coding "gzip" not implemented (only a final chunked is)`},
		{"GET /" + strings.Repeat("a", 9000), `http1: 414 URI Too Long: request line over 8192 bytes`},
	} {
		got := decodeStream(t, requestDecode(Limits{}), [][]byte{[]byte(tc.in)}, 0)
		if got.Err != tc.want {
			t.Errorf("%.50q:\n got %s\nwant %s", tc.in, got.Err, tc.want)
		}
	}
}

// TestLimitsConfigured checks that each limit is the one configured.
func TestLimitsConfigured(t *testing.T) {
	lim := Limits{MaxRequestLine: 24, MaxHeaderBytes: 40, MaxHeaderFields: 2, MaxBodyBytes: 5}
	for _, tc := range []struct {
		in     string
		status int
	}{
		{"GET /0123456789 HTTP/1.1\r\nHost: a\r\n\r\n", 0},                      // a request line of 24 bytes
		{"GET /01234567890 HTTP/1.1\r\nHost: a\r\n\r\n", 414},                   // 21
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 012345678901234567890123\r\n\r\n", 0}, // a 40-byte section
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789012345678901234\r\n\r\n", 431},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: b\r\nY: c\r\n\r\n", 431},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", 0},
		{"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nhello!", 413},
		{http1test.ChunkedPOST("3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"), 0},
		{http1test.ChunkedPOST("3\r\nhel\r\n3\r\nlo!\r\n0\r\n\r\n"), 413},
	} {
		got := checkSplits(t, func() func([]byte) (string, int, error) { return requestDecode(lim) }, []byte(tc.in), nil, 0)
		if got.Status != tc.status {
			t.Errorf("%q: status %d (%s), want %d", tc.in, got.Status, got.Err, tc.status)
		}
	}
	// A negative MaxBodyBytes lifts the body limit.
	got := decodeStream(t, requestDecode(Limits{MaxBodyBytes: -1}), [][]byte{[]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9000000\r\n\r\n")}, 0)
	if got.Status != 0 {
		t.Fatalf("no body limit: %s", got.Err)
	}
}
