package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestClientSuspendsHandlerNotLoop: a handler on a loop VM (one loop) that
// calls http.get waits in its coroutine: while one request waits on a
// stalled backend, another on the same loop is proxied and answered. The
// response's res.local is the port the backend saw the request come from.
func TestClientSuspendsHandlerNotLoop(t *testing.T) {
	release := make(chan struct{})
	slow := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(slow)
			<-release
		}
		fmt.Fprintf(w, "%s from %s", r.URL.Path, r.RemoteAddr)
	}))
	released := false
	defer func() {
		if !released {
			close(release)
		}
		backend.Close()
	}()
	url := backend.URL
	l := newLab(t)
	addr := l.eval(fmt.Sprintf(`shared.dict('proxy'):set('backend', %q)
srv = assert(http.listen('http://127.0.0.1:0', {vm = 'loop', handler = 'testdata/proxy_loop.lua', loops = 1}))
return srv.addr`, url))
	type result struct {
		body string
		err  error
	}
	slowRes := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			slowRes <- result{err: err}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		slowRes <- result{body: string(b)}
	}()
	select {
	case <-slow:
	case <-time.After(3 * time.Second):
		t.Fatal("the slow request never reached the backend")
	}
	fast := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}
	defer fast.CloseIdleConnections()
	res, err := fast.Get("http://" + addr + "/fast")
	if err != nil {
		t.Fatalf("the loop was held by the waiting handler: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// "/fast from 127.0.0.1:P|127.0.0.1:P|false": local is what the backend saw.
	f := strings.Split(string(b), "|")
	if len(f) != 3 || f[0] != "/fast from "+f[1] || !strings.HasPrefix(f[1], "127.0.0.1:") {
		t.Fatalf("fast: %q", b)
	}
	close(release)
	released = true
	select {
	case r := <-slowRes:
		if r.err != nil || !strings.HasPrefix(r.body, "/slow from 127.0.0.1:") {
			t.Fatalf("slow: %q %v", r.body, r.err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the slow request never completed")
	}
}
