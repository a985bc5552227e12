package bench

import (
	"testing"
)

// checkScanner holds for every reply scanner: it consumes no more than it
// was given, and a reply it found complete parses the same with more
// bytes behind it (the next reply's bytes never change this one).
func checkScanner(t *testing.T, mk func() proto, in []byte) {
	var out []byte
	r := mk().reply(in, 0, &out)
	if r.n < 0 || r.n > len(in) {
		t.Fatalf("consumed %d of %d bytes", r.n, len(in))
	}
	if r.n == 0 || r.fatal {
		return
	}
	more := append(append([]byte(nil), in...), "HTTP/1.1 200 OK\r\n\x81\x05"...)
	r2 := mk().reply(more, 0, &out)
	if r2.n != r.n || r2.kind != r.kind || r2.skip != r.skip {
		t.Fatalf("reply %+v, with bytes behind it %+v", r, r2)
	}
}

func FuzzHTTPReply(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nbody until close",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkScanner(t, func() proto { return newHTTPProto(target{host: "h", path: "/"}) }, in)
	})
}

func FuzzWSReply(f *testing.F) {
	for _, s := range []string{
		"\x81\x05hello", "\x82\x00", "\x89\x02hi", "\x8a\x00", "\x88\x02\x03\xe8",
		"\x81\x7e\x00\x03abc", "\x81\x7f\x00\x00\x00\x00\x00\x00\x00\x01a", "\x01\x01a", "\x81\x85maskd",
	} {
		f.Add([]byte(s))
	}
	pat := pattern(5, true)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkScanner(t, func() proto { return newWSProto(target{host: "h", path: "/"}, pat, 5, true) }, in)
	})
}

func FuzzRedisReply(f *testing.F) {
	for _, s := range []string{"+OK\r\n", "+PONG\r\n", "-ERR x\r\n", "$3\r\nabc\r\n", "$-1\r\n", ":1\r\n", "*1\r\n$1\r\na\r\n", "$2\r\nabc\r\n"} {
		f.Add([]byte(s))
	}
	pat := pattern(3, true)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkScanner(t, func() proto { return newRedisProto(pat, 3, "mix", 0) }, in)
	})
}

func FuzzLineReply(f *testing.F) {
	for _, s := range []string{"abc\n", "\n", "abc", "a\nb\n"} {
		f.Add([]byte(s))
	}
	pat := pattern(4, true)
	f.Fuzz(func(t *testing.T, in []byte) {
		checkScanner(t, func() proto { return &lineProto{pat: pat, size: 4, verify: true} }, in)
	})
}
