package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
)

// lines runs netplay with args and collects its stdout lines for waiting.
type lines struct {
	mu   sync.Mutex
	all  []string
	cmd  *exec.Cmd
	done chan struct{}
}

func startLines(t *testing.T, args ...string) *lines {
	t.Helper()
	l := &lines{cmd: exec.Command(netplayBin, args...), done: make(chan struct{})}
	out, _ := l.cmd.StdoutPipe()
	l.cmd.Stderr = os.Stderr
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			l.mu.Unlock()
		}
		l.cmd.Wait()
		close(l.done)
	}()
	t.Cleanup(func() {
		l.cmd.Process.Kill()
		<-l.done
	})
	return l
}

// wait returns once some line matches re (count times), failing after d.
func (l *lines) wait(t *testing.T, d time.Duration, re string, count int) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(d)
	for {
		l.mu.Lock()
		n := 0
		for _, s := range l.all {
			if rx.MatchString(s) {
				n++
			}
		}
		snapshot := strings.Join(l.all, "\n")
		l.mu.Unlock()
		if n >= count {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %d lines matching %q; output:\n%s", d, count, re, snapshot)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// startPyEcho runs the python echo server on port.
func startPyEcho(t *testing.T, port string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", peersDir+"/py_server.py", "plain", port)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.HasPrefix(line, "PORT ") {
		t.Fatalf("python server said %q: %v", line, err)
	}
	return cmd
}

// TestWSClientSurvivesRestart runs ws_client.lua against the python echo
// server, kills the server, lets retries fail, restarts it: the waits
// follow the backoff within its jitter bounds (never shorter than
// announced), and every message is echoed at most once, in order,
// including those queued while the server was down.
func TestWSClientSurvivesRestart(t *testing.T) {
	needPyWS(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	py := startPyEcho(t, port)
	cl := startLines(t, "run", wsClient, "ws://127.0.0.1:"+port+"/", "12")
	cl.wait(t, 10*time.Second, `^echo msg 2$`, 1)
	py.Process.Kill()
	py.Wait()
	cl.wait(t, 10*time.Second, `^state connected -> reconnecting`, 1)
	cl.wait(t, 15*time.Second, `^state connecting -> reconnecting: dial`, 2)
	startPyEcho(t, port)
	cl.wait(t, 15*time.Second, `^state connecting -> connected`, 2)
	cl.wait(t, 10*time.Second, `reconnects=1 queued=0`, 1)
	select {
	case <-cl.done:
	case <-time.After(20 * time.Second):
		t.Fatal("ws_client.lua did not end after its 12 s")
	}

	out := cl.snapshot()
	last, echoes, queuedEchoes := 0, 0, 0
	var delays []float64
	reconnected := false
	waitRE := regexp.MustCompile(`-> reconnecting: .*\(waiting ([0-9.]+)s\)$`)
	retryRE := regexp.MustCompile(`-> connecting: retry (\d+) after ([0-9.]+)s$`)
	for _, s := range out {
		if m := waitRE.FindStringSubmatch(s); m != nil {
			d, _ := strconv.ParseFloat(m[1], 64)
			delays = append(delays, d)
		}
		if m := retryRE.FindStringSubmatch(s); m != nil {
			n, _ := strconv.Atoi(m[1])
			waited, _ := strconv.ParseFloat(m[2], 64)
			planned := delays[n-1]
			if waited < planned-0.006 || waited > planned+1.5 { // the announced delay is rounded to 10 ms
				t.Errorf("retry %d waited %.3fs, announced %.3fs", n, waited, planned)
			}
		}
		if strings.HasPrefix(s, "state connecting -> connected") && last > 0 {
			reconnected = true
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(s, "echo msg ")); err == nil && strings.HasPrefix(s, "echo msg ") {
			if n <= last {
				t.Fatalf("echo msg %d after %d: duplicated or out of order\n%s", n, last, strings.Join(out, "\n"))
			}
			last = n
			echoes++
			if reconnected {
				queuedEchoes++
			}
		}
	}
	// The defaults: min 0.5, factor 2, max 8, jitter 0.5.
	for i, d := range delays {
		ceil := min(0.5*float64(int(1)<<i), 8)
		if d > ceil+0.006 || d < ceil/2-0.006 {
			t.Errorf("retry %d: announced %.3fs, outside (%.3f, %.3f]", i+1, d, ceil/2, ceil)
		}
	}
	if len(delays) < 3 || queuedEchoes < 3 {
		t.Fatalf("%d delays, %d echoes after the reconnect\n%s", len(delays), queuedEchoes, strings.Join(out, "\n"))
	}
}

// TestWSClientSilentPeer: a server that completes the handshake and then
// never answers is declared dead by the heartbeat within interval +
// timeout, and the client reconnects.
func TestWSClientSilentPeer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				rd := bufio.NewReader(c)
				var head []byte
				for !strings.HasSuffix(string(head), "\r\n\r\n") {
					line, err := rd.ReadString('\n')
					if err != nil {
						return
					}
					head = append(head, line...)
				}
				h, _, _ := wsc.ParseRequestHead(head, 0)
				up, err := wsc.CheckUpgrade(h.Method, h)
				if err != nil {
					return
				}
				c.Write(wsc.AppendAccept(nil, up.Key, "", ""))
				for {
					if _, err := rd.ReadByte(); err != nil {
						return
					}
				}
			}()
		}
	}()
	script := filepath.Join(t.TempDir(), "silent.lua")
	os.WriteFile(script, []byte(fmt.Sprintf(`local opened
local w
w = ws.dial("ws://%s/", {heartbeat = {interval = 0.3, timeout = 0.3}, reconnect = {min = 5},
  on_open = function() opened = timer.now() end,
  on_state = function(from, to, why)
    if to == "reconnecting" then
      print(("dead after %%.3f: %%s"):format(timer.now() - opened, why))
      w:close()
    end
  end})
`, ln.Addr())), 0o644)
	cl := startLines(t, "run", script)
	cl.wait(t, 10*time.Second, `^dead after`, 1)
	line := cl.snapshot()[0]
	var after float64
	fmt.Sscanf(line, "dead after %f:", &after)
	if !strings.Contains(line, "heartbeat") || after < 0.3 || after > 0.6+0.3 {
		t.Fatalf("%q: want a heartbeat death within interval + timeout (0.6 s, +0.3 s slack)", line)
	}
	select {
	case <-cl.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not end after w:close()")
	}
}

// TestWSFaultsExample runs ws_faults.lua: through net.proxy the heartbeat
// declares the swallowed conn dead, and the client reconnects after the cut.
func TestWSFaultsExample(t *testing.T) {
	out := run(t, 30*time.Second, "", netplayBin, "run", "../scripts/examples/ws_faults.lua")
	for _, want := range []string{
		"connected -> reconnecting: heartbeat: nothing received for 1s after a ping",
		"reconnects 1",
		"connected -> closed: close()",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
}
