package http1

import (
	"slices"
	"strings"
	"testing"
)

func reqDecoder() func([]byte) (string, int, error) { return requestDecode(Limits{}) }

func TestRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"simple GET", "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{`GET /a?b=c 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`}},
		{"order, case and repeats kept, OWS trimmed", "GET / HTTP/1.1\r\nhost: x\r\nX-A:  1 \r\nx-a:\t2\r\nEmpty:\r\n\r\n",
			[]string{`GET / 1.1 h[host=x] h[X-A=1] h[x-a=2] h[Empty=] cl=0 chunked=false close=false continue=false upgrade="" body=""`}},
		{"pipelined, in order", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{
				`GET /1 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
				`POST /2 1.1 h[Host=x] h[Content-Length=3] cl=3 chunked=false close=false continue=false upgrade="" body="abc"`,
				`GET /3 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
			}},
		{"chunked with extensions and trailers", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n5;a=b\r\nhello\r\nA ; x\r\n, world!!!\r\n0\r\nX-Sum: 9\r\nX-T: t\r\n\r\n",
			[]string{`POST / 1.1 h[Host=x] h[Transfer-Encoding=Chunked] cl=-1 chunked=true close=false continue=false upgrade="" body="hello, world!!!" t[X-Sum=9] t[X-T=t]`}},
		{"chunked without trailers, leading zeros", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0003\r\nabc\r\n000\r\n\r\n",
			[]string{`POST / 1.1 h[Host=x] h[Transfer-Encoding=chunked] cl=-1 chunked=true close=false continue=false upgrade="" body="abc"`}},
		{"HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n",
			[]string{`GET / 1.0 cl=0 chunked=false close=true continue=false upgrade="" body=""`}},
		{"HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			[]string{`GET / 1.0 h[Connection=Keep-Alive] cl=0 chunked=false close=false continue=false upgrade="" body=""`}},
		{"HTTP/1.1 Connection: close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, CLOSE\r\n\r\n",
			[]string{`GET / 1.1 h[Host=x] h[Connection=foo, CLOSE] cl=0 chunked=false close=true continue=false upgrade="" body=""`}},
		{"Expect: 100-continue", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nz",
			[]string{`PUT / 1.1 h[Host=x] h[Expect=100-Continue] h[Content-Length=1] cl=1 chunked=false close=false continue=true upgrade="" body="z"`}},
		{"Upgrade", "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
			[]string{`GET /ws 1.1 h[Host=x] h[Connection=keep-alive, Upgrade] h[Upgrade=websocket] cl=0 chunked=false close=false continue=false upgrade="websocket" body=""`}},
		{"Upgrade field without Connection: upgrade", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
			[]string{`GET / 1.1 h[Host=x] h[Upgrade=websocket] cl=0 chunked=false close=false continue=false upgrade="" body=""`}},
		{"empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{`GET / 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`}},
		{"equal Content-Length list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok",
			[]string{`POST / 1.1 h[Host=x] h[Content-Length=2, 2] h[Content-Length=2] cl=2 chunked=false close=false continue=false upgrade="" body="ok"`}},
		{"OPTIONS *, absolute-form, CONNECT", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET http://x/y HTTP/1.1\r\nHost: x\r\n\r\nCONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
			[]string{
				`OPTIONS * 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
				`GET http://x/y 1.1 h[Host=x] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
				`CONNECT x:443 1.1 h[Host=x:443] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
			}},
		{"obs-text in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n",
			[]string{"GET / 1.1 h[Host=x] h[X=caf\xc3\xa9] cl=0 chunked=false close=false continue=false upgrade=\"\" body=\"\""}},
		{"body with NUL and CR is opaque", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n\x00\r\n",
			[]string{`POST / 1.1 h[Host=x] h[Content-Length=3] cl=3 chunked=false close=false continue=false upgrade="" body="\x00\r\n"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSplits(t, reqDecoder, []byte(tc.in), []byte{3, 1, 4, 1, 5, 9}, 0)
			if got.Err != "" || !slices.Equal(got.Msgs, tc.want) {
				t.Fatalf("got %q (err %s)\nwant %q", got.Msgs, got.Err, tc.want)
			}
		})
	}
}

func TestRequestAccessors(t *testing.T) {
	d := NewRequestDecoder(Limits{})
	r, _, err := d.Decode([]byte("GET /p/q?x=1&y HTTP/1.1\r\nHost: h\r\nConnection: a, Upgrade\r\nX: 1\r\nx: 2\r\n\r\n"))
	if err != nil || r == nil {
		t.Fatal(r, err)
	}
	if string(r.Path()) != "/p/q" || string(r.Query()) != "x=1&y" {
		t.Errorf("path %q query %q", r.Path(), r.Query())
	}
	if string(r.Header.Get("HOST")) != "h" || r.Header.Get("nope") != nil || !r.Header.Has("x") {
		t.Errorf("Get/Has")
	}
	if vs := r.Header.Values("X"); len(vs) != 2 || string(vs[0]) != "1" || string(vs[1]) != "2" {
		t.Errorf("Values %q", vs)
	}
	if !r.Header.HasToken("connection", "upgrade") || r.Header.HasToken("connection", "close") {
		t.Errorf("HasToken")
	}
	if !r.KeepAlive() {
		t.Errorf("KeepAlive")
	}
}

// TestExpectContinuePending checks that the head of a request whose body
// has not arrived is visible, so the server can send 100 Continue.
func TestExpectContinuePending(t *testing.T) {
	d := NewRequestDecoder(Limits{})
	head := []byte("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	r, n, err := d.Decode(head)
	if r != nil || err != nil || n != len(head) {
		t.Fatalf("head: r=%v n=%d err=%v", r, n, err)
	}
	p := d.Pending()
	if p == nil || !p.ExpectContinue || p.ContentLength != 4 {
		t.Fatalf("Pending() = %+v", p)
	}
	r, n, err = d.Decode([]byte("body"))
	if r == nil || string(r.Body) != "body" || n != 4 || err != nil {
		t.Fatalf("body: r=%v n=%d err=%v", r, n, err)
	}
	if d.Pending() != nil {
		t.Fatalf("Pending after the body")
	}
}

// TestEventParser checks the event sequence and that a body is never held
// whole: pieces come out as they arrive.
func TestEventParser(t *testing.T) {
	p := NewRequestParser(Limits{})
	in := []byte("POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n")
	var evs []string
	avail := 7 // bytes arrived: 7 more each time the parser needs more
	for len(in) > 0 {
		ev, n, err := p.Next(in[:min(len(in), avail)])
		if err != nil {
			t.Fatal(err)
		}
		switch ev {
		case Head:
			evs = append(evs, "head "+string(p.Request().Target))
		case Data:
			evs = append(evs, "data "+string(p.Data()))
		case End:
			evs = append(evs, "end")
		case NeedMore:
			avail += 7
		}
		in, avail = in[n:], avail-n
	}
	want := []string{"head /u", "data abc", "data d", "data e", "data f", "end"} // as the bytes came
	if !slices.Equal(evs, want) {
		t.Fatalf("events %q, want %q", evs, want)
	}
}

func respDecoder() func([]byte) (string, int, error) { return responseDecode(Limits{}) }

func TestResponses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		heads []bool
		want  []string
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", nil,
			[]string{`1.1 200 "OK" h[Content-Length=2] cl=2 chunked=false close=false body="hi"`}},
		{"chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX: y\r\n\r\n", nil,
			[]string{`1.1 200 "OK" h[Transfer-Encoding=chunked] cl=-1 chunked=true close=false body="hi" t[X=y]`}},
		{"204 and 304 have no body", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", nil,
			[]string{`1.1 204 "No Content" cl=0 chunked=false close=false body=""`, `1.1 304 "Not Modified" h[Content-Length=10] cl=0 chunked=false close=false body=""`}},
		{"HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", []bool{true, false},
			[]string{`1.1 200 "OK" h[Content-Length=10] cl=0 chunked=false close=false body=""`, `1.1 200 "OK" h[Content-Length=1] cl=1 chunked=false close=false body="x"`}},
		{"100 Continue is skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", nil,
			[]string{`1.1 201 "Created" h[Content-Length=0] cl=0 chunked=false close=false body=""`}},
		{"101 ends HTTP", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi", nil,
			[]string{`1.1 101 "Switching Protocols" h[Upgrade=websocket] cl=0 chunked=false close=false body=""`}},
		{"HTTP/1.0 closes, keep-alive keeps", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", nil,
			[]string{`1.0 200 "OK" h[Content-Length=0] cl=0 chunked=false close=true body=""`, `1.0 200 "OK" h[Connection=keep-alive] h[Content-Length=0] cl=0 chunked=false close=false body=""`}},
		{"TE wins over CL and closes", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", nil,
			[]string{`1.1 200 "OK" h[Content-Length=9] h[Transfer-Encoding=chunked] cl=-1 chunked=true close=true body="a"`}},
		{"status line without reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", nil,
			[]string{`1.1 200 "" h[Content-Length=0] cl=0 chunked=false close=false body=""`, `1.1 404 "" h[Content-Length=0] cl=0 chunked=false close=false body=""`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSplits(t, func() func([]byte) (string, int, error) { return responseDecode(Limits{}, tc.heads...) },
				[]byte(tc.in), []byte{2, 7, 1, 8}, 0)
			if got.Err != "" || !slices.Equal(got.Msgs, tc.want) {
				t.Fatalf("got %q (err %s)\nwant %q", got.Msgs, got.Err, tc.want)
			}
		})
	}
}

func TestResponseUntilEOF(t *testing.T) {
	d := NewResponseDecoder(Limits{})
	in := []byte("HTTP/1.1 200 OK\r\n\r\nsome ")
	r, n, err := d.Decode(in)
	if r != nil || err != nil {
		t.Fatal(r, err)
	}
	in = append(in[n:], "bytes"...)
	r, n, err = d.Decode(in)
	if r != nil || err != nil || n != len(in) {
		t.Fatal(r, n, err)
	}
	r, err = d.EOF()
	if err != nil || r == nil || string(r.Body) != "some bytes" || !r.Close || r.ContentLength != -1 {
		t.Fatalf("EOF: %+v %v", r, err)
	}
	// A close in the middle of a Content-Length body is an error.
	d = NewResponseDecoder(Limits{})
	if _, _, err := d.Decode([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.EOF(); err == nil || !strings.Contains(err.Error(), "closed in the middle") {
		t.Fatalf("EOF mid-body: %v", err)
	}
	// A close between responses is not.
	d = NewResponseDecoder(Limits{})
	if r, err := d.EOF(); r != nil || err != nil {
		t.Fatalf("EOF between: %v %v", r, err)
	}
}

func TestStrictResponses(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status int
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", 400},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"HTTP/1.1 200 OK\r\nX : y\r\n\r\n", 400},
		{"HTTP/2.0 200 OK\r\n\r\n", 505},
		{"HTTP/1.1 20 OK\r\n\r\n", 400},
		{"HTTP/1.1 600 OK\r\n\r\n", 400},
		{"HTTP/1.1 200OK\r\n\r\n", 400},
		{"http/1.1 200 OK\r\n\r\n", 400},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 400},
		{"HTTP/1.1 200 O\x00K\r\n\r\n", 400},
		{"HTTP/1.1 200 OK\r\nContent-Length: 9000000\r\n\r\n", 413},
	} {
		got := checkSplits(t, respDecoder, []byte(tc.in), nil, 0)
		if got.Status != tc.status {
			t.Errorf("%q: status %d (%s), want %d", tc.in, got.Status, got.Err, tc.status)
		}
	}
}
