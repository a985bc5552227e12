package ws

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var t0 = time.Unix(1_000_000, 0)

func at(d time.Duration) time.Time { return t0.Add(d) }

// recorder collects on_state events and fails t on any illegal or
// discontinuous one.
type recorder struct {
	t      *testing.T
	events []Transition
}

func (r *recorder) on(e Transition) {
	r.t.Helper()
	if !Legal(e.From, e.To) {
		r.t.Fatalf("illegal transition reported: %s → %s (%s)", e.From, e.To, e.Why)
	}
	if n := len(r.events); n > 0 && r.events[n-1].To != e.From {
		r.t.Fatalf("event %s → %s does not continue from %s", e.From, e.To, r.events[n-1].To)
	}
	r.events = append(r.events, e)
}

func (r *recorder) path() string {
	var b strings.Builder
	for i, e := range r.events {
		if i == 0 {
			b.WriteString(e.From.String())
		}
		b.WriteString(" → " + e.To.String())
	}
	return b.String()
}

func newTest(t *testing.T, cfg Config) (*Client, *recorder) {
	r := &recorder{t: t}
	cfg.OnState = r.on
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0 } // delay = ceiling
	}
	return NewClient(cfg), r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLegalTable(t *testing.T) {
	want := map[[2]State]bool{
		{Disconnected, Connecting}: true, {Disconnected, Closed}: true,
		{Connecting, Connected}: true, {Connecting, Reconnecting}: true, {Connecting, Closed}: true,
		{Connected, Reconnecting}: true, {Connected, Closed}: true,
		{Reconnecting, Connecting}: true, {Reconnecting, Closed}: true,
	}
	for from := Disconnected; from <= Closed+1; from++ {
		for to := Disconnected; to <= Closed+1; to++ {
			if got := Legal(from, to); got != want[[2]State{from, to}] {
				t.Errorf("Legal(%s, %s) = %v", from, to, got)
			}
		}
	}
	var m Machine
	if err := m.To(Connected); err == nil || m.State() != Disconnected {
		t.Fatalf("disconnected → connected allowed: %v, now %s", err, m.State())
	}
	must(t, m.To(Closed))
	for to := Disconnected; to <= Reconnecting; to++ {
		if err := m.To(to); err == nil || m.State() != Closed {
			t.Fatalf("closed → %s allowed", to)
		}
	}
}

// TestIllegalInputsRefused tries every input in every state where it does
// not fit: the state does not move and no event is reported.
func TestIllegalInputsRefused(t *testing.T) {
	c, r := newTest(t, Config{})
	if _, err := c.Opened(at(0)); err == nil {
		t.Error("Opened while disconnected")
	}
	if err := c.Lost(at(0), "x"); err == nil {
		t.Error("Lost while disconnected")
	}
	must(t, c.Dial(at(0)))
	if err := c.Dial(at(0)); err == nil {
		t.Error("Dial while connecting")
	}
	must(t, c.Lost(at(0), "refused"))
	if _, err := c.Opened(at(0)); err == nil {
		t.Error("Opened while reconnecting")
	}
	if err := c.Lost(at(0), "stale"); !errors.Is(err, ErrState) {
		t.Errorf("Lost while reconnecting: %v", err)
	}
	must(t, c.Close(at(0), "close()"))
	for name, err := range map[string]error{
		"Dial": c.Dial(at(1)), "Lost": c.Lost(at(1), "x"), "Close": c.Close(at(1), "again"),
	} {
		if err == nil {
			t.Errorf("%s after closed accepted", name)
		}
	}
	if _, err := c.Opened(at(1)); err == nil {
		t.Error("Opened after closed")
	}
	if d := c.Tick(at(time.Hour)); d.Dial || d.Ping != nil || c.State() != Closed {
		t.Errorf("closed client ticked into %+v, state %s", d, c.State())
	}
	if got := r.path(); got != "disconnected → connecting → reconnecting → closed" {
		t.Fatalf("path %s", got)
	}
}

// TestRandomInputsStayLegal drives a client with random inputs: every
// transition it reports is legal and continues from the previous one
// (the recorder fails the test otherwise), and closed stays terminal.
func TestRandomInputsStayLegal(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for run := range 200 {
		c, r := newTest(t, Config{Heartbeat: HeartbeatConfig{Interval: time.Second}, Backoff: Backoff{Retries: 5}})
		now := t0
		for range 60 {
			now = now.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
			switch rng.IntN(7) {
			case 0:
				_ = c.Dial(now)
			case 1:
				_, _ = c.Opened(now)
			case 2:
				_ = c.Lost(now, "random")
			case 3:
				c.Tick(now)
			case 4:
				_, _ = c.Send(now, []byte("m"), false)
			case 5:
				c.Received(now)
			case 6:
				if rng.IntN(10) == 0 {
					_ = c.Close(now, "random close")
				}
			}
		}
		if n := len(r.events); n > 0 && r.events[n-1].To == Closed && c.State() != Closed {
			t.Fatalf("run %d left closed", run)
		}
	}
}

func TestBackoffFormula(t *testing.T) {
	b := Backoff{Jitter: -1}.Normalize()
	if b.Min != 500*time.Millisecond || b.Max != 30*time.Second || b.Factor != 2 || b.Jitter != 0.5 || b.MinUptime != 5*time.Second {
		t.Fatalf("defaults %+v", b)
	}
	var got []string
	for n := range 8 {
		got = append(got, b.Ceiling(n).String())
	}
	if s := strings.Join(got, " "); s != "500ms 1s 2s 4s 8s 16s 30s 30s" {
		t.Fatalf("ceilings %s", s)
	}
	if b.Ceiling(5000) != b.Max {
		t.Fatal("huge n does not clamp to max")
	}
	if d := b.Delay(2, 0); d != 2*time.Second {
		t.Fatalf("u=0: %v", d)
	}
	if d := b.Delay(2, 0.999999); d <= time.Second || d > 1001*time.Millisecond {
		t.Fatalf("u→1 with jitter 0.5: %v, want just over 1s", d)
	}
	full := Backoff{Jitter: 1}.Normalize()
	if d := full.Delay(3, 0.75); d != time.Second {
		t.Fatalf("full jitter u=0.75 of 4s: %v", d)
	}
	if (Backoff{Min: time.Second, Max: time.Millisecond, Factor: 0.5}).Normalize().Ceiling(3) != time.Second {
		t.Fatal("max below min or factor below 1 not clamped")
	}
}

// TestReconnectDelaysGrowAndReset: failed dials grow the delay; a conn
// that stayed up min_uptime starts it over; a short-lived one does not.
func TestReconnectDelaysGrowAndReset(t *testing.T) {
	c, r := newTest(t, Config{Backoff: Backoff{Min: time.Second, Max: 5 * time.Second, MinUptime: 10 * time.Second}})
	now := t0
	must(t, c.Dial(now))
	var delays []string
	fail := func() {
		must(t, c.Lost(now, "refused"))
		delays = append(delays, r.events[len(r.events)-1].Delay.String())
		now = c.Next()
		if d := c.Tick(now); !d.Dial {
			t.Fatalf("no dial at the end of the delay: %+v", d)
		}
	}
	for range 5 {
		fail()
	}
	_, _ = c.Opened(now)
	now = now.Add(3 * time.Second) // shorter than min_uptime
	fail()
	_, _ = c.Opened(now)
	now = now.Add(10 * time.Second) // stayed up
	fail()
	if s := strings.Join(delays, " "); s != "1s 2s 4s 5s 5s 5s 1s" {
		t.Fatalf("delays %s", s)
	}
	last := r.events[len(r.events)-1]
	if last.To != Connecting || last.Delay != time.Second || last.Attempt != 1 || !strings.Contains(last.Why, "retry 1 after 1.000s") {
		t.Fatalf("last event %+v", last)
	}
	if st := c.Stats(now); st.Reconnects != 1 || st.LastDelay != time.Second {
		t.Fatalf("stats %+v", st)
	}
}

func TestJitterBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	c, r := newTest(t, Config{Backoff: Backoff{Min: time.Second, Max: 8 * time.Second, Jitter: 0.5}, Rand: rng.Float64})
	now := t0
	must(t, c.Dial(now))
	for n := range 40 {
		must(t, c.Lost(now, "refused"))
		e := r.events[len(r.events)-1]
		ceil := min(8*time.Second, time.Second<<min(n, 10))
		if e.Delay > ceil || e.Delay <= ceil/2 {
			t.Fatalf("retry %d: delay %v outside (%v, %v]", n+1, e.Delay, ceil/2, ceil)
		}
		now = c.Next()
		c.Tick(now)
	}
}

func TestRetriesExhausted(t *testing.T) {
	c, r := newTest(t, Config{Backoff: Backoff{Retries: 2}})
	now := t0
	must(t, c.Dial(now))
	for range 2 {
		must(t, c.Lost(now, "refused"))
		now = c.Next()
		c.Tick(now)
	}
	must(t, c.Lost(now, "refused"))
	if c.State() != Closed || !strings.Contains(r.events[len(r.events)-1].Why, "2 retries exhausted") {
		t.Fatalf("state %s, last %+v", c.State(), r.events[len(r.events)-1])
	}
	n, _ := newTest(t, Config{NoReconnect: true})
	must(t, n.Dial(now))
	_, _ = n.Opened(now)
	must(t, n.Lost(now, "server closed 1001 going away"))
	if n.State() != Closed {
		t.Fatalf("reconnect off: %s", n.State())
	}
}

// TestCloseWhileWaiting: close() while connecting or while waiting to
// reconnect ends in closed and never dials again.
func TestCloseWhileWaiting(t *testing.T) {
	for _, phase := range []string{"connecting", "reconnecting"} {
		c, r := newTest(t, Config{})
		must(t, c.Dial(t0))
		if phase == "reconnecting" {
			must(t, c.Lost(t0, "refused"))
		}
		must(t, c.Close(t0, "close()"))
		if d := c.Tick(at(time.Hour)); d.Dial || !c.Next().IsZero() || c.State() != Closed {
			t.Fatalf("%s: after close %+v next %v", phase, d, c.Next())
		}
		if r.events[len(r.events)-1].From.String() != phase {
			t.Fatalf("%s: path %s", phase, r.path())
		}
	}
}

func TestConnectTimeout(t *testing.T) {
	c, r := newTest(t, Config{ConnectTimeout: 4 * time.Second})
	must(t, c.Dial(t0))
	if c.Next() != at(4*time.Second) {
		t.Fatalf("next %v", c.Next())
	}
	if d := c.Tick(at(3 * time.Second)); d.Abort {
		t.Fatal("aborted early")
	}
	if d := c.Tick(at(4 * time.Second)); !d.Abort || c.State() != Reconnecting {
		t.Fatalf("%+v %s", d, c.State())
	}
	if !strings.Contains(r.events[len(r.events)-1].Why, "connect timeout after 4s") {
		t.Fatalf("why %q", r.events[len(r.events)-1].Why)
	}
}

func TestHeartbeatRTTAndDeath(t *testing.T) {
	c, r := newTest(t, Config{Heartbeat: HeartbeatConfig{Interval: 10 * time.Second, Timeout: 5 * time.Second}})
	must(t, c.Dial(t0))
	_, _ = c.Opened(t0)
	if c.Next() != at(10*time.Second) {
		t.Fatalf("first ping due %v", c.Next().Sub(t0))
	}
	// Three pings answered after 20, 40 and 60 ms.
	now := t0
	for i, rtt := range []time.Duration{20, 40, 60} {
		now = c.Next()
		d := c.Tick(now)
		if d.Ping == nil {
			t.Fatalf("ping %d not sent at %v", i, now.Sub(t0))
		}
		c.Pong(now.Add(rtt*time.Millisecond), d.Ping)
		c.Pong(now.Add(rtt*time.Millisecond), d.Ping) // a duplicate is no sample
		now = now.Add(rtt * time.Millisecond)
	}
	c.Pong(now, []byte("unsolicited"))
	st := c.Stats(now)
	if st.Pings != 3 || st.Pongs != 3 || st.RTTAvg != 40*time.Millisecond || st.RTTMax != 60*time.Millisecond || st.RTTP95 != 60*time.Millisecond || st.Loss != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The peer goes silent after the last pong: the next ping is due at
	// +40 s and the conn is dead 5 s later, within interval + timeout.
	silentFrom := now
	var deadAt time.Time
	for guard := 0; guard < 10 && c.State() == Connected; guard++ {
		now = c.Next()
		if d := c.Tick(now); d.Abort {
			deadAt = now
		}
	}
	if deadAt.IsZero() || deadAt.Sub(silentFrom) > 15*time.Second || c.State() != Reconnecting {
		t.Fatalf("dead at %v after silence, state %s", deadAt.Sub(silentFrom), c.State())
	}
	if e := r.events[len(r.events)-1]; !strings.Contains(e.Why, "heartbeat: nothing received for 5s") {
		t.Fatalf("why %q", e.Why)
	}
	if st := c.Stats(now); st.Missed != 1 || st.Pings != 4 || st.Loss != 0.25 {
		t.Fatalf("after death %+v", st)
	}
}

// TestHeartbeatAnyFrameKeepsAlive: a peer that never pongs but keeps
// sending messages is alive; its pings count as missed.
func TestHeartbeatAnyFrameKeepsAlive(t *testing.T) {
	c, _ := newTest(t, Config{Heartbeat: HeartbeatConfig{Interval: 2 * time.Second, Timeout: time.Second}})
	must(t, c.Dial(t0))
	_, _ = c.Opened(t0)
	for now := t0; now.Before(at(20 * time.Second)); now = now.Add(250 * time.Millisecond) {
		c.Received(now)
		if !c.Next().After(now) {
			c.Tick(now)
		}
		if c.State() != Connected {
			t.Fatalf("declared dead at %v while messages flow", now.Sub(t0))
		}
	}
	if st := c.Stats(at(20 * time.Second)); st.Pings < 8 || st.Missed < st.Pings-1 || st.Pongs != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRTTPercentile(t *testing.T) {
	var r rttStats
	for i := 1; i <= 100; i++ {
		r.add(time.Duration(i) * time.Millisecond)
	}
	if r.p95() != 95*time.Millisecond || r.avg() != 50500*time.Microsecond || r.max != 100*time.Millisecond {
		t.Fatalf("p95 %v avg %v max %v", r.p95(), r.avg(), r.max)
	}
	for range rttWindow {
		r.add(time.Millisecond)
	}
	if r.p95() != time.Millisecond || r.max != 100*time.Millisecond {
		t.Fatalf("after the window rolled: p95 %v max %v", r.p95(), r.max)
	}
}

func TestQueueOrderOnceAndFull(t *testing.T) {
	c, _ := newTest(t, Config{Queue: 3})
	must(t, c.Dial(t0))
	for i := range 3 {
		if direct, err := c.Send(t0, []byte(fmt.Sprint("m", i)), i == 1); direct || err != nil {
			t.Fatalf("send %d while connecting: %v %v", i, direct, err)
		}
	}
	if _, err := c.Send(t0, []byte("m3"), false); !errors.Is(err, ErrQueueFull) || err.Error() != "queue_full" {
		t.Fatalf("4th send: %v", err)
	}
	if st := c.Stats(t0); st.Queued != 3 || st.QueueFull != 1 || st.Sent != 0 {
		t.Fatalf("stats %+v", st)
	}
	flush, err := c.Opened(at(time.Second))
	must(t, err)
	var got []string
	for _, m := range flush {
		got = append(got, fmt.Sprintf("%s %v", m.Data, m.Binary))
	}
	if s := strings.Join(got, " "); s != "m0 false m1 true m2 false" {
		t.Fatalf("flushed %s", s)
	}
	if direct, err := c.Send(at(time.Second), []byte("live"), false); !direct || err != nil {
		t.Fatalf("send while connected: %v %v", direct, err)
	}
	// Lost and back: nothing is sent twice.
	must(t, c.Lost(at(2*time.Second), "reset"))
	c.Tick(c.Next())
	flush, _ = c.Opened(c.Next())
	if len(flush) != 0 {
		t.Fatalf("resent %d messages", len(flush))
	}
	if st := c.Stats(t0); st.Sent != 4 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	must(t, c.Close(at(time.Hour), "close()"))
	if _, err := c.Send(at(time.Hour), []byte("x"), false); !errors.Is(err, ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}

func TestQueueMaxAge(t *testing.T) {
	c, _ := newTest(t, Config{Queue: 2, MaxAge: 5 * time.Second})
	must(t, c.Dial(t0))
	_, _ = c.Send(at(0), []byte("old"), false)
	_, _ = c.Send(at(4*time.Second), []byte("newer"), false)
	// At 6 s "old" has waited too long: it frees its place.
	if _, err := c.Send(at(6*time.Second), []byte("newest"), false); err != nil {
		t.Fatalf("send after expiry: %v", err)
	}
	if st := c.Stats(at(6 * time.Second)); st.Expired != 1 || st.Queued != 2 {
		t.Fatalf("stats %+v", st)
	}
	// Next() wakes the driver when "newer" expires, so stats stay true.
	if next := c.Next(); next.Sub(at(9*time.Second)) > time.Millisecond || next.Before(at(9*time.Second)) {
		t.Fatalf("next %v", next.Sub(t0))
	}
	flush, _ := c.Opened(at(9500 * time.Millisecond))
	if len(flush) != 1 || string(flush[0].Data) != "newest" {
		t.Fatalf("flushed %v", flush)
	}
	if st := c.Stats(at(10 * time.Second)); st.Expired != 2 || st.Sent != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestNoQueue(t *testing.T) {
	c, _ := newTest(t, Config{Queue: -1})
	must(t, c.Dial(t0))
	if _, err := c.Send(t0, []byte("x"), false); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("queue = -1: %v", err)
	}
}
