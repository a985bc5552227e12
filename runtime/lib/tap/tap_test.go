package tap

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 13, 45, 1, 234567000, time.UTC)

func ev(dir Dir, id uint64, data string) Event {
	return Event{Time: t0, Dir: dir, ConnID: id, Network: "tcp",
		Local:  netip.MustParseAddrPort("127.0.0.1:9000"),
		Remote: netip.MustParseAddrPort("127.0.0.1:53122"), Data: []byte(data)}
}

func TestLine(t *testing.T) {
	got := Line(ev(In, 3, "hi\r\n\xff"))
	want := `13:45:01.234567 < conn 3 127.0.0.1:53122 5 B  "hi\r\n\xFF"`
	if got != want {
		t.Fatalf("Line:\n got %s\nwant %s", got, want)
	}
	e := ev(Out, 3, "*1\r\n$4\r\nPING\r\n")
	e.Frame = "RESP [PING]"
	if got := Line(e); !strings.HasSuffix(got, "> conn 3 127.0.0.1:53122 14 B  RESP [PING]") {
		t.Fatalf("Line with frame: %s", got)
	}
	if got := Preview([]byte(strings.Repeat("a", 60)), 48); got != `"`+strings.Repeat("a", 48)+`"…` {
		t.Fatalf("Preview cut: %s", got)
	}
}

func TestHexdump(t *testing.T) {
	got := Hexdump([]byte("0123456789abcdefXY\x00"))
	want := "  00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n" +
		"  00000010  58 59 00                                          |XY.|\n"
	if got != want {
		t.Fatalf("Hexdump:\n%q\nwant\n%q", got, want)
	}
}

func TestTapFilterAndText(t *testing.T) {
	var out bytes.Buffer
	tp, err := New(Options{Conns: []uint64{2}, Text: &out})
	if err != nil {
		t.Fatal(err)
	}
	tp.Emit(ev(In, 1, "not me\n"))
	tp.Emit(ev(In, 2, "text\n"))
	tp.Emit(ev(Out, 2, "\x00\x01"))
	if tp.Events() != 2 || !tp.Watches(2) || tp.Watches(1) {
		t.Fatalf("events %d, watches 2=%v 1=%v", tp.Events(), tp.Watches(2), tp.Watches(1))
	}
	s := out.String()
	if strings.Contains(s, "not me") || !strings.Contains(s, `< conn 2 127.0.0.1:53122 5 B  "text\n"`) {
		t.Fatalf("text sink:\n%s", s)
	}
	if strings.Count(s, "  00000000 ") != 1 { // text chunks get no hexdump unless Hex
		t.Fatalf("want one hexdump (the binary chunk):\n%s", s)
	}
	if err := tp.Stop(); err != nil {
		t.Fatal(err)
	}
	tp.Emit(ev(In, 2, "after stop"))
	if tp.Events() != 2 || tp.Watches(2) {
		t.Fatal("a stopped tap still takes events")
	}
}

// tshark reads what PcapWriter writes: each conn's payload in order and
// direction, for IPv4 and IPv6 TCP, UDP, a unix conn and a chunk larger
// than one segment.
func TestPcapReadByTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed (CI installs it)")
		}
		t.Skip("tshark not installed; skipping the pcap check")
	}
	path := filepath.Join(t.TempDir(), "x.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := New(Options{Pcap: f})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("z", 70000)
	v6 := ev(In, 2, "six")
	v6.Local, v6.Remote = netip.MustParseAddrPort("[::1]:9000"), netip.MustParseAddrPort("[::1]:40000")
	udp := ev(Out, 3, "dgram")
	udp.Network = "udp"
	unixEv := Event{Time: t0, ConnID: 4, Network: "unix", Data: []byte("sock")}
	for _, e := range []Event{ev(In, 1, "PING\r\n"), ev(Out, 1, "+PONG\r\n"), v6, udp, unixEv, ev(Out, 1, big)} {
		tp.Emit(e)
	}
	tp.ConnClosed(ev(Out, 1, ""))
	if err := tp.Stop(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-r", path, "-T", "fields", "-e", "frame.protocols",
		"-e", "tcp.srcport", "-e", "tcp.seq", "-e", "tcp.len", "-e", "udp.length", "-e", "tcp.flags.str").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	// conn 1: SYN, SYN-ACK, PING, PONG; conn 2: SYN, SYN-ACK, six; conn 3: one datagram;
	// conn 4: SYN, SYN-ACK, sock; conn 1: 70000 bytes in two segments, FIN.
	if len(lines) != 14 {
		t.Fatalf("tshark saw %d packets, want 14:\n%s", len(lines), out)
	}
	fields := func(i int) []string { return strings.Split(lines[i], "\t") }
	if f := fields(2); f[1] != "53122" || f[2] != "1" || f[3] != "6" {
		t.Fatalf("PING segment: %q", lines[2])
	}
	if f := fields(3); f[1] != "9000" || f[2] != "1" || f[3] != "7" {
		t.Fatalf("PONG segment: %q", lines[3])
	}
	if !strings.Contains(fields(6)[0], "ipv6") || fields(6)[3] != "3" {
		t.Fatalf("IPv6 segment: %q", lines[6])
	}
	if !strings.Contains(fields(7)[0], "udp") || fields(7)[4] != "13" {
		t.Fatalf("UDP datagram: %q", lines[7])
	}
	if f := fields(11); f[2] != "8" || f[3] != "65000" {
		t.Fatalf("first segment of the big chunk: %q", lines[11])
	}
	if f := fields(12); f[2] != "65008" || f[3] != "5000" {
		t.Fatalf("second segment of the big chunk: %q", lines[12])
	}
	if f := fields(13); !strings.Contains(f[5], "F") || f[2] != "70008" {
		t.Fatalf("FIN: %q", lines[13])
	}
	// The payload reassembles: follow conn 1's stream.
	follow, err := exec.Command(tshark, "-r", path, "-q", "-z", "follow,tcp,raw,0").Output()
	if err != nil {
		t.Fatalf("tshark follow: %v\n%s", err, follow)
	}
	if !strings.Contains(string(follow), "50494e470d0a") || !strings.Contains(string(follow), "2b504f4e470d0a") {
		t.Fatalf("follow tcp stream lacks PING/PONG:\n%.400s", follow)
	}
}

// BenchmarkHooksOff is what a hook costs a read or a write when no tap is
// attached: the one check of Set.Active.
func BenchmarkHooksOff(b *testing.B) {
	var s Set
	n := 0
	for i := 0; i < b.N; i++ {
		if s.Active() {
			n++
		}
	}
	if n != 0 {
		b.Fatal("no tap is attached")
	}
}
