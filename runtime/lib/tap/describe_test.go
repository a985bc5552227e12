package tap

import (
	"bytes"
	"strings"
	"testing"
)

// HTTP heads are named; after a 101 answer the conn's chunks are read as
// WebSocket frames, also when a frame spans two chunks.
func TestDescribeHTTPAndWS(t *testing.T) {
	var out bytes.Buffer
	tp, _ := New(Options{Text: &out})
	tp.Emit(ev(In, 1, "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"))
	tp.Emit(ev(Out, 1, "HTTP/1.1 101 Switching Protocols\r\n\r\n"))
	// A masked text frame "hi" from the client, then a ping and the first
	// 2 of 4 bytes of a binary frame from netplay.
	tp.Emit(ev(In, 1, "\x81\x82\x01\x02\x03\x04"+string([]byte{'h' ^ 1, 'i' ^ 2})))
	tp.Emit(ev(Out, 1, "\x89\x00\x82\x04ab"))
	tp.Emit(ev(Out, 1, "cd\x88\x02\x03\xe8"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"HTTP GET /chat HTTP/1.1 [Upgrade: websocket]",
		"HTTP HTTP/1.1 101 Switching Protocols",
		`WS text fin masked 2 B "hi"`,
		"WS ping fin 0 B; WS binary fin 4 B",
		"WS close fin 2 B code 1000",
	}
	var got []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "  ") { // skip hexdump lines
			got = append(got, l)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("lines:\n%s", out.String())
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i], "  "+w) {
			t.Errorf("line %d: %q, want suffix %q", i, got[i], w)
		}
	}
}

// Key headers are shown; pipelined requests in one chunk are each named;
// the frames after a 101 in the same chunk are read as WebSocket.
func TestDescribeHeadsAndPipelining(t *testing.T) {
	cases := []struct{ chunk, want string }{
		{"POST /a HTTP/1.1\r\nHost: h\r\nX-Other: 1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n",
			"HTTP POST /a HTTP/1.1 [Host: h, Content-Length: 3]; HTTP GET /b HTTP/1.1"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n",
			"HTTP HTTP/1.1 200 OK [Transfer-Encoding: chunked, Connection: close]"},
		{"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
			"HTTP GET / HTTP/1.1; HTTP GET / HTTP/1.1; HTTP GET / HTTP/1.1; …"},
		{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi",
			`HTTP HTTP/1.1 101 Switching Protocols [Upgrade: websocket, Sec-WebSocket-Protocol: chat]; WS text fin 2 B "hi"`},
		{"hello GET / HTTP/1.1\r\n", ""},
	}
	for _, c := range cases {
		tp, _ := New(Options{})
		e := ev(In, 1, c.chunk)
		tp.describe(&e)
		if e.Frame != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.chunk, e.Frame, c.want)
		}
	}
}

// FuzzDescribe feeds arbitrary chunks to the HTTP and WebSocket sniffing
// of a tap, as a conn after a 101 answer would: it must not panic, and a
// line stays one line.
func FuzzDescribe(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), []byte("\x81\x85\x01\x02\x03\x04hello"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n"), []byte("\x82\x7e\x01\x00ab"))
	f.Add([]byte("\x7f\xff"), []byte("\x88\x7f\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 2\r\nHost: h\r\n\r\nabGET / HTTP/1.1\r\n\r\n"), []byte("HTTP/1.1 101 x\r\n\r\n\x81\x01a"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"), []byte("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var out bytes.Buffer
		tp, _ := New(Options{Text: &out})
		tp.Emit(ev(Out, 1, "HTTP/1.1 101 Switching Protocols\r\n\r\n"))
		for _, chunk := range [][]byte{a, b, a} {
			e := ev(In, 1, "")
			e.Data = chunk
			tp.Emit(e)
		}
		tp.Emit(ev(In, 2, string(a)))
		for _, chunk := range [][]byte{a, b} { // a ws module's conn tapped mid-stream
			e := ev(Out, 3, "")
			e.Data, e.WS = chunk, true
			tp.Emit(e)
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if l != "" && !strings.HasPrefix(l, "  ") && !strings.Contains(l, " conn ") {
				t.Fatalf("a line broke: %q", l)
			}
		}
	})
}
