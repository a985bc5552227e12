package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// :tap hN taps an http.listen server (hN counts http servers in the order
// they started): its request and response heads print above the prompt.
func TestPTYTapHTTPServer(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`h = http.listen("http://127.0.0.1:0", function(req) return 200, nil, "hi " .. req.path end)`)
	out := p.line(`print("ADDR " .. h.addr)`)
	m := regexp.MustCompile(`ADDR (127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no address in %q", out)
	}
	if out := p.line(":tap h1"); !strings.Contains(out, "tapping http server http://"+m[1]) {
		t.Fatalf(":tap h1 printed %q", out)
	}
	mark := len(p.Screen()) - 1
	cl := &http.Client{Timeout: 5 * time.Second}
	res, err := cl.Get("http://" + m[1] + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "hi /x" {
		t.Fatalf("body %q", body)
	}
	p.WaitScreen(mark, "the tap's HTTP lines above the prompt", func(s string) bool {
		return strings.Contains(s, "HTTP GET /x HTTP/1.1 [Host: "+m[1]) && strings.Contains(s, "HTTP HTTP/1.1 200 OK")
	})
	p.line(":tap w1") // no ws server: an error naming the id
	p.WaitScreen(mark, "the error for :tap w1", func(s string) bool { return strings.Contains(s, "no open server w1") })
	p.line(":tap off")
	p.WaitScreen(mark, ":tap off's answer", func(s string) bool { return strings.Contains(s, "tap off (1 stopped)") })
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
