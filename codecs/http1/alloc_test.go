package http1

import (
	"runtime"
	"testing"

	"github.com/netplay-lab/netplay/codecs/http1/http1test"
)

// TestNoAllocationOfDeclaredSize: a declared body size (Content-Length, a
// chunk size) is never allocated up front: a head that declares nearly
// max_body_bytes followed by a few bytes costs kilobytes, not megabytes,
// so a peer cannot make the server reserve memory it never sends.
func TestNoAllocationOfDeclaredSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		res  bool
	}{
		{"request Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8000000\r\n\r\n0123456789", false},
		{"request chunk size", http1test.ChunkedPOST("7fffff\r\n0123456789"), false},
		{"response Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 8000000\r\n\r\n0123456789", true},
		{"response chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffff\r\n0123456789", true},
	} {
		const runs = 20
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			var err error
			var n int
			if tc.res {
				var r *Response
				r, n, err = NewResponseDecoder(Limits{}).Decode([]byte(tc.in))
				if r != nil {
					t.Fatalf("%s: a response before its body", tc.name)
				}
			} else {
				var r *Request
				r, n, err = NewRequestDecoder(Limits{}).Decode([]byte(tc.in))
				if r != nil {
					t.Fatalf("%s: a request before its body", tc.name)
				}
			}
			if err != nil || n != len(tc.in) {
				t.Fatalf("%s: n %d of %d, err %v", tc.name, n, len(tc.in), err)
			}
		}
		runtime.ReadMemStats(&after)
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 64<<10 {
			t.Errorf("%s: %d bytes allocated per decode of %d bytes declaring 8 MB", tc.name, per, len(tc.in))
		}
	}
}
