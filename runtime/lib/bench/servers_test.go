package bench

import (
	"bufio"
	"context"
	"github.com/netplay-lab/netplay/internal/testkit"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/netplay-lab/netplay/reactor"
)

// goEchoServer starts a goroutine-per-conn echo server on Go's net; corrupt,
// if not nil, may change each chunk before it goes back.
func goEchoServer(t *testing.T, corrupt func([]byte)) string {
	t.Helper()
	addr := testkit.GoServer(t, func(c net.Conn) {
		if corrupt == nil {
			io.Copy(c, c)
			return
		}
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				corrupt(buf[:n])
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	return "tcp://" + addr
}

// goLineServer answers each line with fn(line) (nil fn: the line itself).
func goLineServer(t *testing.T, fn func(string) string) string {
	t.Helper()
	addr := testkit.GoServer(t, func(c net.Conn) {
		br, bw := bufio.NewReader(c), bufio.NewWriter(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if fn != nil {
				line = fn(line)
			}
			bw.WriteString(line)
			if br.Buffered() == 0 {
				if bw.Flush() != nil {
					return
				}
			}
		}
	})
	return "tcp://" + addr
}

// need returns the path of an outside tool, skipping the test when it is
// missing (failing under CI).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (needed as a peer)", tool)
		}
		t.Skipf("%s is not installed; install it to run this test", tool)
	}
	return p
}

// reactorEcho is an echo handler on netplay's reactor.
type reactorEcho struct{ reactor.BaseHandler }

func (reactorEcho) OnTraffic(c *reactor.Conn) reactor.Action {
	p, _ := c.Peek(-1)
	c.Write(p)
	c.Discard(len(p))
	return reactor.None
}

// reactorEchoServer starts an echo server on its own engine.
func reactorEchoServer(t *testing.T) string {
	t.Helper()
	eng, err := reactor.New(reactor.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		eng.Stop(ctx)
	})
	ln, err := eng.Listen("tcp://127.0.0.1:0", reactorEcho{}, reactor.ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return "tcp://" + ln.Addr().String()
}

// httpServer serves h on Go's net/http.
func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// wsEchoServer echoes every message with gorilla/websocket.
func wsEchoServer(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{}
	u := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	}))
	return "ws" + strings.TrimPrefix(u, "http") + "/echo"
}

// redisServer starts redis-server on a free loopback port with no
// persistence and stops it when the test ends.
func redisServer(t *testing.T) string {
	t.Helper()
	bin := need(t, "redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return "redis://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not start: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// silentServer reads everything and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	addr := testkit.GoServer(t, func(c net.Conn) {
		io.Copy(io.Discard, c)
	})
	return "tcp://" + addr
}

// pythonWSServer runs testdata/ws_echo.py (python3-websockets).
func pythonWSServer(t *testing.T) string {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import websockets").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-websockets is not installed (needed as a peer)")
		}
		t.Skip("python3-websockets is not installed; install it to run this test")
	}
	cmd := exec.Command("/usr/bin/python3", "testdata/ws_echo.py")
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	port, ok := strings.CutPrefix(strings.TrimSpace(line), "PORT ")
	if err != nil || !ok {
		t.Fatalf("python server said %q: %v", line, err)
	}
	return "ws://127.0.0.1:" + port + "/"
}

// nginxServer runs nginx on a free loopback port answering every GET with
// a 17-byte body.
func nginxServer(t *testing.T) string {
	t.Helper()
	bin := need(t, "nginx")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	dir := t.TempDir()
	conf := `worker_processes 1; daemon off; master_process off;
error_log ` + dir + `/error.log; pid ` + dir + `/nginx.pid;
events { worker_connections 256; }
http { access_log off;
  client_body_temp_path ` + dir + `; proxy_temp_path ` + dir + `; fastcgi_temp_path ` + dir + `;
  uwsgi_temp_path ` + dir + `; scgi_temp_path ` + dir + `;
  server { listen 127.0.0.1:` + port + `; location / { return 200 "hello from nginx\n"; } } }
`
	if err := os.WriteFile(dir+"/nginx.conf", []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", dir+"/nginx.conf", "-p", dir, "-e", dir+"/error.log")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + port
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return "http://" + addr + "/"
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx on %s did not start: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
