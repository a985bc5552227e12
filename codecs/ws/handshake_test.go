package ws

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestAcceptKeyRFCExample(t *testing.T) {
	// RFC 6455 section 1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("AcceptKey = %q", got)
	}
}

func goodUpgrade() http.Header {
	return http.Header{
		"Upgrade":                {"websocket"},
		"Connection":             {"keep-alive, Upgrade"},
		"Sec-Websocket-Key":      {"dGhlIHNhbXBsZSBub25jZQ=="},
		"Sec-Websocket-Version":  {"13"},
		"Sec-Websocket-Protocol": {"chat, superchat", "v2"},
	}
}

func TestCheckUpgrade(t *testing.T) {
	tests := []struct {
		name   string
		method string
		edit   func(h http.Header)
		status int
	}{
		{"valid", "GET", func(http.Header) {}, 0},
		{"upgrade token case-insensitive", "GET", func(h http.Header) { h.Set("Upgrade", "WebSocket") }, 0},
		{"POST", "POST", func(http.Header) {}, 405},
		{"no Upgrade", "GET", func(h http.Header) { h.Del("Upgrade") }, 400},
		{"Connection without upgrade", "GET", func(h http.Header) { h.Set("Connection", "keep-alive") }, 400},
		{"version 8", "GET", func(h http.Header) { h.Set("Sec-WebSocket-Version", "8") }, 426},
		{"no version", "GET", func(h http.Header) { h.Del("Sec-WebSocket-Version") }, 426},
		{"two versions", "GET", func(h http.Header) { h.Add("Sec-WebSocket-Version", "8") }, 426},
		{"no key", "GET", func(h http.Header) { h.Del("Sec-WebSocket-Key") }, 400},
		{"short key", "GET", func(h http.Header) { h.Set("Sec-WebSocket-Key", "c2hvcnQ=") }, 400},
		{"key not base64", "GET", func(h http.Header) { h.Set("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==") }, 400},
		{"bad extension", "GET", func(h http.Header) { h.Set("Sec-WebSocket-Extensions", "permessage-deflate; a b") }, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := goodUpgrade()
			tc.edit(h)
			u, err := CheckUpgrade(tc.method, h)
			if tc.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if u.Key != "dGhlIHNhbXBsZSBub25jZQ==" || strings.Join(u.Protocols, "|") != "chat|superchat|v2" {
					t.Fatalf("upgrade %+v", u)
				}
				return
			}
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status != tc.status {
				t.Fatalf("err %v, want status %d", err, tc.status)
			}
		})
	}
}

func TestRejectionResponse(t *testing.T) {
	h := goodUpgrade()
	h.Set("Sec-WebSocket-Version", "8")
	_, err := CheckUpgrade("GET", h)
	resp := string(err.(*HandshakeError).AppendResponse(nil))
	if !strings.HasPrefix(resp, "HTTP/1.1 426 Upgrade Required\r\n") || !strings.Contains(resp, "\r\nSec-WebSocket-Version: 13\r\n") {
		t.Fatalf("response:\n%s", resp)
	}
	head, n, err := ParseResponseHead([]byte(resp), 0)
	if err != nil || head.Status != 426 || !strings.Contains(resp[n:], `"8"`) {
		t.Fatalf("parsed %+v n=%d err=%v body %q", head, n, err, resp[n:])
	}
}

func TestSelectSubprotocol(t *testing.T) {
	tests := []struct {
		offered, supported []string
		want               string
	}{
		{[]string{"a", "b"}, []string{"b", "a"}, "b"}, // the server's order wins
		{[]string{"a"}, []string{"c"}, ""},
		{nil, []string{"c"}, ""},
		{[]string{"Chat"}, []string{"chat"}, ""}, // exact match
	}
	for _, tc := range tests {
		if got := SelectSubprotocol(tc.offered, tc.supported); got != tc.want {
			t.Errorf("offered %q supported %q: got %q", tc.offered, tc.supported, got)
		}
	}
}

// TestHandshakeBothSides runs a client request through the server helpers
// and the answer back through the client's checks.
func TestHandshakeBothSides(t *testing.T) {
	key := NewKey()
	req := AppendRequest(nil, ClientRequest{Host: "127.0.0.1:9000", Path: "/chat?room=1", Key: key,
		Protocols: []string{"v2", "v1"}, Extensions: DeflateOffer(DeflateConfig{}), Header: []Field{{"Origin", "http://127.0.0.1"}}})
	head, n, err := ParseRequestHead(req, 0)
	if err != nil || n != len(req) || head.Method != "GET" || head.Target != "/chat?room=1" || head.Get("origin") != "http://127.0.0.1" {
		t.Fatalf("request head %+v n=%d err=%v", head, n, err)
	}
	up, err := CheckUpgrade(head.Method, head)
	if err != nil {
		t.Fatal(err)
	}
	proto := SelectSubprotocol(up.Protocols, []string{"v1", "v2"})
	_, ext, ok := AcceptDeflate(up.Extensions, DeflateConfig{})
	if proto != "v1" || !ok {
		t.Fatalf("protocol %q deflate %v", proto, ok)
	}
	resp := AppendAccept(nil, up.Key, proto, ext)
	rh, _, err := ParseResponseHead(resp, 0)
	if err != nil {
		t.Fatal(err)
	}
	gotProto, exts, err := CheckResponse(rh, key, []string{"v2", "v1"})
	if err != nil || gotProto != "v1" {
		t.Fatalf("CheckResponse: %q %v", gotProto, err)
	}
	if _, on, err := ParseDeflateResponse(exts, DeflateConfig{}); !on || err != nil {
		t.Fatalf("deflate on=%v err=%v", on, err)
	}
	// A wrong accept key, an unoffered subprotocol, a non-101 status fail.
	for name, resp := range map[string]string{
		"wrong accept": string(AppendAccept(nil, NewKey(), "", "")),
		"unoffered":    string(AppendAccept(nil, key, "v3", "")),
		"status 200":   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	} {
		rh, _, err := ParseResponseHead([]byte(resp), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := CheckResponse(rh, key, []string{"v1"}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseHead(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		err  string
	}{
		{"incomplete", "GET / HTTP/1.1\r\nHost: x\r\n", 0, ""},
		{"complete with a body after", "GET / HTTP/1.1\r\nHost: x\r\n\r\nrest", 27, ""},
		{"bad request line", "GET /\r\n\r\n", 0, "bad request line"},
		{"folded header", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 0, "bad header line"},
		{"no colon", "GET / HTTP/1.1\r\nAb\r\n\r\n", 0, "bad header line"},
		{"HTTP/2", "GET / HTTP/2\r\n\r\n", 0, "bad request line"},
		{"too long", "GET / HTTP/1.1\r\nA: " + strings.Repeat("x", 9000), 0, "head over 8192 bytes"},
	}
	for _, tc := range tests {
		_, n, err := ParseRequestHead([]byte(tc.in), 0)
		if n != tc.n || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: n=%d err=%v, want n=%d err %q", tc.name, n, err, tc.n, tc.err)
		}
	}
}
