package http

import (
	"testing"

	"github.com/netplay-lab/netplay/codecs/http1"
)

func parseReq(t *testing.T, raw string) *http1.Request {
	t.Helper()
	r, _, err := http1.NewRequestDecoder(http1.Limits{}).Decode([]byte(raw))
	if err != nil || r == nil {
		t.Fatalf("%q: %v %v", raw, r, err)
	}
	return r
}

func TestKeepAlive(t *testing.T) {
	const (
		v11      = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
		v11close = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
		v10      = "GET / HTTP/1.0\r\n\r\n"
		v10keep  = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
	)
	for _, tc := range []struct {
		name        string
		raw         string
		enabled     bool
		served, max int
		keep        bool
		connection  string
	}{
		{"1.1 default", v11, true, 1, 0, true, ""},
		{"1.1 client asks close", v11close, true, 1, 0, false, "close"},
		{"1.1 server switch off", v11, false, 1, 0, false, "close"},
		{"1.0 default closes", v10, true, 1, 0, false, "close"},
		{"1.0 keep-alive", v10keep, true, 1, 0, true, "keep-alive"},
		{"1.0 keep-alive, switch off", v10keep, false, 1, 0, false, "close"},
		{"999th of 1000", v11, true, 999, 0, true, ""},
		{"1000th of 1000 (default)", v11, true, 1000, 0, false, "close"},
		{"3rd of 3", v11, true, 3, 3, false, "close"},
		{"no limit", v11, true, 1 << 20, -1, true, ""},
	} {
		keep, conn := KeepAlive(parseReq(t, tc.raw), tc.enabled, tc.served, tc.max)
		if keep != tc.keep || conn != tc.connection {
			t.Errorf("%s: keep=%v Connection=%q, want %v %q", tc.name, keep, conn, tc.keep, tc.connection)
		}
	}
}
