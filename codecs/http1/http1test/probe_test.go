package http1test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestProbe checks the harness itself against Go's server: a status, a
// close after an error, and a kept-alive conn that stays open.
func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	res, err := Probe(addr, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 2*time.Second)
	if err != nil || res.Status != 505 || !res.Closed {
		t.Fatalf("505: %+v %v", res, err)
	}
	res, err = Probe(addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 300*time.Millisecond)
	if err != nil || res.Status != 200 || res.Closed || Responses(res.Raw) != 2 {
		t.Fatalf("keep-alive: %+v %v", res, err)
	}
}
