package http1

import (
	"strings"
	"testing"
)

func TestAppendResponse(t *testing.T) {
	fields := []Pair{{"Server", "netplay"}, {"X-A", "1"}, {"content-length", "99"}}
	for _, tc := range []struct {
		status int
		body   string
		head   bool
		want   string
	}{
		{200, "hi", false, "HTTP/1.1 200 OK\r\nServer: netplay\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi"},
		{200, "hi", true, "HTTP/1.1 200 OK\r\nServer: netplay\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n"},
		{204, "ignored", false, "HTTP/1.1 204 No Content\r\nServer: netplay\r\nX-A: 1\r\n\r\n"},
		{304, "", false, "HTTP/1.1 304 Not Modified\r\nServer: netplay\r\nX-A: 1\r\n\r\n"},
		{404, "", false, "HTTP/1.1 404 Not Found\r\nServer: netplay\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n"},
		{299, "", false, "HTTP/1.1 299 \r\nServer: netplay\r\nX-A: 1\r\nContent-Length: 0\r\n\r\n"},
	} {
		got, err := AppendResponse(nil, tc.status, fields, []byte(tc.body), tc.head)
		if err != nil || string(got) != tc.want {
			t.Errorf("%d %q head=%v:\n got %q (%v)\nwant %q", tc.status, tc.body, tc.head, got, err, tc.want)
		}
	}
}

func TestAppendRejectsSplitting(t *testing.T) {
	dst := []byte("keep")
	for _, f := range []Pair{{"X", "a\r\nInjected: 1"}, {"X", "a\nb"}, {"X", "a\x00"}, {"X Y", "a"}, {"", "a"}, {"X:", "a"}} {
		got, err := AppendResponse(dst, 200, []Pair{f}, nil, false)
		if err == nil || string(got) != "keep" {
			t.Errorf("%q accepted: %q", f, got)
		}
	}
	if _, err := AppendRequestLine(nil, "GET", "/a b"); err == nil {
		t.Errorf("space in target accepted")
	}
	if _, err := AppendRequestLine(nil, "G T", "/"); err == nil {
		t.Errorf("space in method accepted")
	}
	if _, err := AppendResponseHead(nil, 42, nil, 0); err == nil {
		t.Errorf("status 42 accepted")
	}
}

// TestRoundTrip checks that what the encoders write, the decoders read back.
func TestRoundTrip(t *testing.T) {
	big := strings.Repeat("0123456789", 1000)
	// A chunked response with trailers.
	out, err := AppendResponseHead(nil, 200, []Pair{{"X", "y"}}, Chunked)
	if err != nil {
		t.Fatal(err)
	}
	out = AppendChunk(out, []byte("hello, "))
	out = AppendChunk(out, nil) // must not end the body
	out = AppendChunk(out, []byte(big))
	if out, err = AppendLastChunk(out, []Pair{{"X-Sum", "1"}}); err != nil {
		t.Fatal(err)
	}
	got := checkSplits(t, respDecoder, out, []byte{100, 3, 250}, 0)
	want := `1.1 200 "OK" h[X=y] h[Transfer-Encoding=chunked] cl=-1 chunked=true close=false body="hello, ` + big + `" t[X-Sum=1]`
	if len(got.Msgs) != 1 || got.Msgs[0] != want {
		t.Fatalf("chunked response: %+v", got)
	}
	// Requests: GET without Content-Length, POST with, chunked PUT.
	var reqs []byte
	reqs, _ = AppendRequest(reqs, "GET", "/g", []Pair{{"Host", "h"}}, nil)
	reqs, _ = AppendRequest(reqs, "POST", "/p", []Pair{{"Host", "h"}}, nil)
	reqs, _ = AppendRequest(reqs, "POST", "/p", []Pair{{"Host", "h"}}, []byte("body"))
	reqs, _ = AppendRequestHead(reqs, "PUT", "/c", []Pair{{"Host", "h"}}, Chunked)
	reqs = AppendChunk(reqs, []byte("abc"))
	reqs, _ = AppendLastChunk(reqs, nil)
	got = checkSplits(t, reqDecoder, reqs, []byte{5, 17}, 0)
	wantReqs := []string{
		`GET /g 1.1 h[Host=h] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
		`POST /p 1.1 h[Host=h] h[Content-Length=0] cl=0 chunked=false close=false continue=false upgrade="" body=""`,
		`POST /p 1.1 h[Host=h] h[Content-Length=4] cl=4 chunked=false close=false continue=false upgrade="" body="body"`,
		`PUT /c 1.1 h[Host=h] h[Transfer-Encoding=chunked] cl=-1 chunked=true close=false continue=false upgrade="" body="abc"`,
	}
	if got.Err != "" || strings.Join(got.Msgs, "\n") != strings.Join(wantReqs, "\n") {
		t.Fatalf("requests:\n%s\nerr %s", strings.Join(got.Msgs, "\n"), got.Err)
	}
}
