package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serverLine is what the experiment scripts print for each request the
// server handled: "server[ NAME]: GET /path on conn N (request K on this conn)".
var serverLine = regexp.MustCompile(`(?m)^server ?(\w*): GET (\S+) on conn (\d+) \(request (\d+) on this conn\)`)

type served struct {
	server, path string
	conn, n      int
}

// runExperiment runs an example to its end and returns the requests its
// server(s) reported, in order.
func runExperiment(t *testing.T, script string) ([]served, string) {
	t.Helper()
	out := run(t, 30*time.Second, "", netplayBin, "run", "../scripts/examples/"+script)
	var got []served
	for _, m := range serverLine.FindAllStringSubmatch(out, -1) {
		conn, _ := strconv.Atoi(m[3])
		n, _ := strconv.Atoi(m[4])
		got = append(got, served{m[1], m[2], conn, n})
	}
	return got, out
}

func TestHTTPExperiment1Default(t *testing.T) {
	got, out := runExperiment(t, "http_keepalive.lua")
	if len(got) != 5 {
		t.Fatalf("want 5 requests, got %d:\n%s", len(got), out)
	}
	for i, s := range got {
		if s.conn != got[0].conn || s.n != i+1 {
			t.Fatalf("request %d on conn %d as number %d; want all on conn %d, numbered 1..5:\n%s", i+1, s.conn, s.n, got[0].conn, out)
		}
	}
	if !strings.Contains(out, "client: opened 1 conn, reused it 4 times") || strings.Count(out, "reused after") != 4 {
		t.Fatalf("client side:\n%s", out)
	}
}

// distinctConns checks that every request came on a conn of its own.
func distinctConns(t *testing.T, got []served, out string) {
	t.Helper()
	if len(got) != 5 {
		t.Fatalf("want 5 requests, got %d:\n%s", len(got), out)
	}
	seen := map[int]bool{}
	for _, s := range got {
		if seen[s.conn] || s.n != 1 {
			t.Fatalf("conn %d carried more than one request:\n%s", s.conn, out)
		}
		seen[s.conn] = true
	}
}

func TestHTTPExperiment2ClientDisableKeepAlives(t *testing.T) {
	got, out := runExperiment(t, "http_disable_keepalives.lua")
	distinctConns(t, got, out)
	if strings.Count(out, "Connection: close") != 5 || !strings.Contains(out, "client: opened 5 conns, reused 0") {
		t.Fatalf("want Connection: close on each request:\n%s", out)
	}
}

func TestHTTPExperiment3ServerKeepAlivesOff(t *testing.T) {
	got, out := runExperiment(t, "http_server_no_keepalive.lua")
	distinctConns(t, got, out)
}

func TestHTTPExperiment4IdleTimeout(t *testing.T) {
	got, out := runExperiment(t, "http_idle_timeout.lua")
	if len(got) != 4 {
		t.Fatalf("want 4 requests:\n%s", out)
	}
	if got[1].conn != got[0].conn || got[2].conn != got[0].conn || got[2].n != 3 {
		t.Fatalf("the burst did not share one conn:\n%s", out)
	}
	if got[3].conn == got[0].conn || got[3].n != 1 {
		t.Fatalf("the request after the pause reused the conn the server should have closed:\n%s", out)
	}
}

func TestHTTPExperiment5TwoServers(t *testing.T) {
	got, out := runExperiment(t, "http_two_servers.lua")
	conn := map[string]int{}
	count := map[string]int{}
	for _, s := range got {
		if c, ok := conn[s.server]; ok && c != s.conn {
			t.Fatalf("server %s saw two conns:\n%s", s.server, out)
		}
		conn[s.server] = s.conn
		count[s.server]++
		if s.n != count[s.server] {
			t.Fatalf("server %s: request %d numbered %d:\n%s", s.server, count[s.server], s.n, out)
		}
	}
	if count["A"] != 3 || count["B"] != 3 || conn["A"] == conn["B"] {
		t.Fatalf("want 3 requests on one conn to each server:\n%s", out)
	}
}

func TestHTTPContextExample(t *testing.T) {
	out := run(t, 30*time.Second, "", netplayBin, "run", "../scripts/examples/http_context.lua")
	if !strings.Contains(out, "client: res = nil, err = context deadline exceeded") ||
		!regexp.MustCompile(`server: stopped at step [2-6]: context canceled`).MatchString(out) ||
		strings.Contains(out, "finished all the work") {
		t.Fatalf("output:\n%s", out)
	}
}

// helloServer starts http_hello.lua on a free port (mode "script" or "loop").
func helloServer(t *testing.T, mode string) string {
	t.Helper()
	_, port, _ := net.SplitHostPort(freePort(t))
	return startScript(t, "../scripts/examples/http_hello.lua", port, mode)
}

func TestHTTPCurlReusesConn(t *testing.T) {
	curl := needTool(t, "curl")
	addr := helloServer(t, "script")
	out := run(t, 10*time.Second, "", curl, "-sv", "http://"+addr+"/a", "http://"+addr+"/b")
	if !regexp.MustCompile(`Re-using existing connection`).MatchString(out) || strings.Count(out, "hello") != 2 {
		t.Fatalf("curl -v twice in one call:\n%s", out)
	}
	if !strings.Contains(out, "< Server: netplay") || !strings.Contains(out, "< Date: ") {
		t.Fatalf("no Server/Date fields:\n%s", out)
	}
}

func TestHTTPPythonClient(t *testing.T) {
	needTool(t, "/usr/bin/python3")
	addr := helloServer(t, "loop")
	host, port, _ := net.SplitHostPort(addr)
	script := fmt.Sprintf(`
import http.client
c = http.client.HTTPConnection(%q, %s, timeout=5)
socks = set()
for i in range(5):
    c.request("GET", "/p%%d" %% i)
    r = c.getresponse()
    assert r.status == 200 and r.read() == b"hello\n", r.status
    socks.add(id(c.sock))
print("requests 5 socks", len(socks))
`, host, port)
	out := run(t, 20*time.Second, "", "/usr/bin/python3", "-c", script)
	if strings.TrimSpace(out) != "requests 5 socks 1" {
		t.Fatalf("python3 http.client: %s", out)
	}
}

func TestHTTPWrkShortRun(t *testing.T) {
	wrk := needTool(t, "wrk")
	addr := helloServer(t, "script")
	out := run(t, 20*time.Second, "", wrk, "-t1", "-c8", "-d1s", "http://"+addr+"/")
	m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindStringSubmatch(out)
	if m == nil || strings.Contains(out, "Non-2xx") || strings.Contains(out, "Socket errors") {
		t.Fatalf("wrk:\n%s", out)
	}
	if rps, _ := strconv.ParseFloat(m[1], 64); rps < 500 {
		t.Fatalf("wrk: %.0f requests/s:\n%s", rps, out)
	}
}

func TestHTTPApacheBenchKeepAlive(t *testing.T) {
	ab := needTool(t, "ab")
	addr := helloServer(t, "loop")
	out := run(t, 20*time.Second, "", ab, "-k", "-n", "2000", "-c", "4", "http://"+addr+"/")
	if !regexp.MustCompile(`Keep-Alive requests:\s+2000`).MatchString(out) || !regexp.MustCompile(`Failed requests:\s+0`).MatchString(out) {
		t.Fatalf("ab -k:\n%s", out)
	}
}

// startPythonServer runs python3's http.server on a free loopback port with
// args added and returns the port once it accepts.
func startPythonServer(t *testing.T, args ...string) string {
	t.Helper()
	needTool(t, "/usr/bin/python3")
	_, port, _ := net.SplitHostPort(freePort(t))
	dir := t.TempDir()
	srv := exec.Command("/usr/bin/python3", append(append([]string{"-m", "http.server", "--bind", "127.0.0.1", "--directory", dir}, args...), port)...)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			return port
		}
		if time.Now().After(deadline) {
			t.Fatalf("python3 http.server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pythonServerFetches fetches / three times from port with one client and
// prints each response and the conns opened.
func pythonServerFetches(port string) string {
	return fmt.Sprintf(`local cl = http.client{}
for i = 1, 3 do
  local res = assert(cl:get('http://127.0.0.1:%s/'))
  print(res.status, res.version, tostring(res.reused), #res.body > 0)
end
print('opened', cl:stats()['http://127.0.0.1:%s'].opened)`, port, port)
}

// TestHTTPClientAgainstPythonServer: netplay's client against python3's
// http.server (HTTP/1.0 by default: every response closes its conn).
func TestHTTPClientAgainstPythonServer(t *testing.T) {
	port := startPythonServer(t)
	out := run(t, 20*time.Second, "", netplayBin, "-e", pythonServerFetches(port))
	want := "200\tHTTP/1.0\tfalse\ttrue\n200\tHTTP/1.0\tfalse\ttrue\n200\tHTTP/1.0\tfalse\ttrue\nopened\t3\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

// TestHTTPClientAgainstPythonServerKeepAlive: python3's http.server
// speaking HTTP/1.1 (--protocol, Python 3.11) keeps the conn: the client
// reuses one conn for the three requests.
func TestHTTPClientAgainstPythonServerKeepAlive(t *testing.T) {
	port := startPythonServer(t, "--protocol", "HTTP/1.1")
	out := run(t, 20*time.Second, "", netplayBin, "-e", pythonServerFetches(port))
	want := "200\tHTTP/1.1\tfalse\ttrue\n200\tHTTP/1.1\ttrue\ttrue\n200\tHTTP/1.1\ttrue\ttrue\nopened\t1\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}
