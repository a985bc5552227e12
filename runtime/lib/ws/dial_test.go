package ws

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
	"github.com/netplay-lab/netplay/reactor"
)

const pyServer = "../../../codecs/ws/testdata/peers/py_server.py"

func needPython(t *testing.T) {
	t.Helper()
	if exec.Command("/usr/bin/python3", "-c", "import websockets").Run() == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("python3-websockets is not installed")
	}
	t.Skip("python3-websockets is not installed")
}

// recordH records a Robust client's events for a test to wait on.
type recordH struct {
	mu     sync.Mutex
	log    []string
	trans  []Transition
	opened time.Time
	change chan struct{}
}

func newRecordH() *recordH { return &recordH{change: make(chan struct{}, 1)} }

func (h *recordH) add(s string) {
	h.mu.Lock()
	h.log = append(h.log, s)
	h.mu.Unlock()
	select {
	case h.change <- struct{}{}:
	default:
	}
}

func (h *recordH) OnState(t Transition) {
	h.mu.Lock()
	h.trans = append(h.trans, t)
	h.mu.Unlock()
	h.add("state:" + t.To.String())
}
func (h *recordH) OnOpen(p string) {
	h.mu.Lock()
	h.opened = time.Now()
	h.mu.Unlock()
	h.add("open")
}
func (h *recordH) OnMessage(d []byte, binary bool) { h.add("msg:" + string(d)) }
func (h *recordH) OnClose(code int, reason string) { h.add(fmt.Sprintf("close:%d", code)) }

// wait blocks until cond holds on the log, failing t after d.
func (h *recordH) wait(t *testing.T, d time.Duration, what string, cond func(log []string) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		h.mu.Lock()
		ok := cond(h.log)
		log := strings.Join(h.log, " ")
		h.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-h.change:
		case <-deadline:
			t.Fatalf("waited %v for %s; log: %s", d, what, log)
		}
	}
}

func count(log []string, s string) int {
	n := 0
	for _, l := range log {
		if l == s {
			n++
		}
	}
	return n
}

func has(s string) func([]string) bool {
	return func(log []string) bool { return count(log, s) > 0 }
}

func newEngine(t *testing.T) *reactor.Engine {
	eng, err := reactor.New(reactor.WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		eng.Stop(ctx)
	})
	return eng
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startPy runs the python echo server on port and waits until it listens.
func startPy(t *testing.T, port string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", pyServer, "plain", port)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || !strings.HasPrefix(line, "PORT ") {
		t.Fatalf("python server: %q %v", line, err)
	}
	return cmd
}

// TestRobustReconnectsAndFlushesQueue kills the python server, sends while
// it is down, restarts it: the waits follow the backoff within the jitter
// bounds and the queued messages arrive once, in order.
func TestRobustReconnectsAndFlushesQueue(t *testing.T) {
	needPython(t)
	port := freePort(t)
	py := startPy(t, port)
	h := newRecordH()
	bo := Backoff{Min: 100 * time.Millisecond, Max: 400 * time.Millisecond, Factor: 2, Jitter: 0.5}
	r, err := NewRobust(newEngine(t), "ws://127.0.0.1:"+port+"/", DialOptions{Client: Config{Backoff: bo}}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	h.wait(t, 5*time.Second, "open", has("open"))
	if err := r.Send([]byte("before"), false); err != nil {
		t.Fatal(err)
	}
	h.wait(t, 5*time.Second, "echo", has("msg:before"))

	py.Process.Kill()
	py.Wait()
	h.wait(t, 5*time.Second, "the loss", has("close:1006"))
	for _, m := range []string{"q1", "q2", "q3"} {
		if err := r.Send([]byte(m), false); err != nil {
			t.Fatalf("send %s while down: %v", m, err)
		}
	}
	// Let at least three retries fail against the closed port.
	h.wait(t, 10*time.Second, "three failed retries", func(log []string) bool { return count(log, "state:reconnecting") >= 4 })
	startPy(t, port)
	h.wait(t, 10*time.Second, "the queued echoes", has("msg:q3"))
	h.wait(t, 2*time.Second, "reopen", func(log []string) bool { return count(log, "open") == 2 })

	h.mu.Lock()
	var msgs []string
	for _, l := range h.log {
		if strings.HasPrefix(l, "msg:") {
			msgs = append(msgs, l)
		}
	}
	trans := append([]Transition(nil), h.trans...)
	h.mu.Unlock()
	if got := strings.Join(msgs, " "); got != "msg:before msg:q1 msg:q2 msg:q3" {
		t.Fatalf("messages %s", got)
	}
	n := 0
	for _, tr := range trans {
		if tr.To != Reconnecting {
			continue
		}
		ceil := bo.Normalize().Ceiling(n)
		if tr.Delay > ceil || tr.Delay <= ceil/2 {
			t.Errorf("retry %d: delay %v outside (%v, %v]", n+1, tr.Delay, ceil/2, ceil)
		}
		n++
	}
	st := r.Stats()
	if st.Reconnects != 1 || st.Sent != 4 || st.Received != 4 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	if err := r.Close(1000, "done", "close()"); err != nil {
		t.Fatal(err)
	}
	if r.State() != Closed {
		t.Fatalf("state %s", r.State())
	}
}

// TestRobustGoingAwayReconnects: a server's 1001 is a close the client did
// not ask for.
func TestRobustGoingAwayReconnects(t *testing.T) {
	needPython(t)
	port := freePort(t)
	startPy(t, port)
	h := newRecordH()
	r, _ := NewRobust(newEngine(t), "ws://127.0.0.1:"+port+"/", DialOptions{Client: Config{Backoff: Backoff{Min: 50 * time.Millisecond}}}, h)
	r.Start()
	h.wait(t, 5*time.Second, "open", has("open"))
	r.Send([]byte("close 1001 going away"), false)
	h.wait(t, 5*time.Second, "the 1001", has("close:1001"))
	h.wait(t, 5*time.Second, "reopen", func(log []string) bool { return count(log, "open") == 2 })
	r.Close(0, "", "close()")
}

// TestRobustSilentPeerDeclaredDead: a server that completes the handshake
// and then never sends a byte is declared dead within interval + timeout.
func TestRobustSilentPeerDeclaredDead(t *testing.T) {
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
				up, _ := wsc.CheckUpgrade(h.Method, h)
				c.Write(wsc.AppendAccept(nil, up.Key, "", ""))
				for {
					if _, err := rd.ReadByte(); err != nil { // swallow pings, answer nothing
						return
					}
				}
			}()
		}
	}()
	h := newRecordH()
	interval, timeout := 150*time.Millisecond, 150*time.Millisecond
	r, _ := NewRobust(newEngine(t), "ws://"+ln.Addr().String()+"/", DialOptions{Client: Config{
		Heartbeat: HeartbeatConfig{Interval: interval, Timeout: timeout},
		Backoff:   Backoff{Min: time.Second},
	}}, h)
	r.Start()
	h.wait(t, 5*time.Second, "open", has("open"))
	h.wait(t, 5*time.Second, "dead", has("state:reconnecting"))
	h.mu.Lock()
	took := time.Since(h.opened)
	last := h.trans[len(h.trans)-1]
	h.mu.Unlock()
	if !strings.Contains(last.Why, "heartbeat") || took > interval+timeout+250*time.Millisecond {
		t.Fatalf("declared dead after %v (limit %v + slack): %q", took, interval+timeout, last.Why)
	}
	if st := r.Stats(); st.Pings < 1 || st.Missed < 1 || st.Pongs != 0 {
		t.Fatalf("stats %+v", st)
	}
	r.Close(0, "", "close()")
}

// TestRobustCloseWhileReconnecting never dials again after close().
func TestRobustCloseWhileReconnecting(t *testing.T) {
	port := freePort(t) // nothing listens there
	h := newRecordH()
	r, _ := NewRobust(newEngine(t), "ws://127.0.0.1:"+port+"/", DialOptions{Client: Config{Backoff: Backoff{Min: 50 * time.Millisecond, Max: 50 * time.Millisecond}}}, h)
	r.Start()
	h.wait(t, 5*time.Second, "a failed dial", has("state:reconnecting"))
	if err := r.Close(0, "", "close()"); err != nil {
		t.Fatal(err)
	}
	h.wait(t, 2*time.Second, "closed", has("state:closed"))
	h.mu.Lock()
	n := len(h.log)
	h.mu.Unlock()
	// Wait for what would have been several retries: nothing happens.
	time.Sleep(300 * time.Millisecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.log) != n || r.State() != Closed {
		t.Fatalf("after close: %v", h.log[n-1:])
	}
	if err := r.Send([]byte("x"), false); err != ErrClosed {
		t.Fatalf("send after close: %v", err)
	}
}
