package ws

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestDecodeValid(t *testing.T) {
	long := strings.Repeat("x", 70000)
	tests := []struct {
		name   string
		stream []byte
		want   []string
	}{
		{"empty text", cf(true, OpText, ""), []string{"text:"}},
		{"text", cf(true, OpText, "hello"), []string{"text:hello"}},
		{"binary with NUL", cf(true, OpBinary, "a\x00\xff"), []string{"binary:a\x00\xff"}},
		{"125 bytes", cf(true, OpText, long[:125]), []string{"text:" + long[:125]}},
		{"126 bytes (16-bit length)", cf(true, OpText, long[:126]), []string{"text:" + long[:126]}},
		{"65535 bytes", cf(true, OpBinary, long[:65535]), []string{"binary:" + long[:65535]}},
		{"65536 bytes (64-bit length)", cf(true, OpBinary, long[:65536]), []string{"binary:" + long[:65536]}},
		{"fragmented text", cat(cf(false, OpText, "fra"), cf(false, OpContinuation, "gme"), cf(true, OpContinuation, "nts")),
			[]string{"text:fragments"}},
		{"empty fragments", cat(cf(false, OpBinary, ""), cf(false, OpContinuation, ""), cf(true, OpContinuation, "")),
			[]string{"binary:"}},
		{"ping between fragments surfaces first", cat(cf(false, OpText, "ab"), cf(true, OpPing, "p1"), cf(true, OpContinuation, "cd")),
			[]string{"ping:p1", "text:abcd"}},
		{"pong and ping between fragments", cat(cf(false, OpText, "a"), cf(true, OpPong, "x"), cf(false, OpContinuation, "b"), cf(true, OpPing, ""), cf(true, OpContinuation, "c")),
			[]string{"pong:x", "ping:", "text:abc"}},
		{"UTF-8 split across fragments", cat(cf(false, OpText, "\xce"), cf(false, OpContinuation, "\xba\xe1\xbd"), cf(true, OpContinuation, "\xb9")),
			[]string{"text:\xce\xba\xe1\xbd\xb9"}},
		{"U+10FFFF and noncharacters", cf(true, OpText, "\xf4\x8f\xbf\xbf\xef\xbf\xbe\xef\xbf\xbf"), []string{"text:\xf4\x8f\xbf\xbf\xef\xbf\xbe\xef\xbf\xbf"}},
		{"binary need not be UTF-8", cf(true, OpBinary, "\xff\xfe"), []string{"binary:\xff\xfe"}},
		{"close without payload", cf(true, OpClose, ""), []string{"close:1005:"}},
		{"close with code and reason", cf(true, OpClose, closeP(1000, "bye")), []string{"close:1000:bye"}},
		{"close with application code", cf(true, OpClose, closeP(4999, "")), []string{"close:4999:"}},
		{"close reason of 123 bytes", cf(true, OpClose, closeP(1001, long[:123])), []string{"close:1001:" + long[:123]}},
		{"frames after close are ignored", cat(cf(true, OpClose, closeP(1000, "")), cf(true, OpText, "late"), []byte{0xff, 0xff}),
			[]string{"close:1000:"}},
		{"message after a fragmented one", cat(cf(false, OpText, "a"), cf(true, OpContinuation, "b"), cf(true, OpBinary, "c")),
			[]string{"text:ab", "binary:c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSplit(t, server, tc.stream, []byte{3, 50, 7})
			if got.Code != 0 || !slices.Equal(got.Events, tc.want) {
				t.Fatalf("got %q code %d, want %q", got.Events, got.Code, tc.want)
			}
		})
	}
}

// TestDecodeFails covers every fail-the-connection case with the close
// code Autobahn|Testsuite expects.
func TestDecodeFails(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		code   int
		before []string // messages delivered before the failure
	}{
		{"RSV1 without an extension", cfRsv(Rsv1, OpText, "x"), 1002, nil},
		{"RSV2", cfRsv(Rsv2, OpText, "x"), 1002, nil},
		{"RSV3", cfRsv(Rsv3, OpBinary, "x"), 1002, nil},
		{"RSV on ping", cfRsv(Rsv1|Rsv3, OpPing, ""), 1002, nil},
		{"RSV on close", cfRsv(Rsv2, OpClose, ""), 1002, nil},
		{"unmasked client frame", AppendFrame(nil, Header{Fin: true, Op: OpText}, []byte("x")), 1002, nil},
		{"continuation with nothing to continue", cf(true, OpContinuation, "x"), 1002, nil},
		{"continuation after a complete message", cat(cf(true, OpText, "a"), cf(true, OpContinuation, "b")), 1002, []string{"text:a"}},
		{"text inside a fragmented message", cat(cf(false, OpText, "a"), cf(true, OpText, "b")), 1002, nil},
		{"binary inside a fragmented message", cat(cf(false, OpText, "a"), cf(true, OpBinary, "b")), 1002, nil},
		{"fragmented ping", cf(false, OpPing, "x"), 1002, nil},
		{"fragmented close", cf(false, OpClose, ""), 1002, nil},
		{"fragmented pong inside a message", cat(cf(false, OpText, "a"), cf(false, OpPong, "")), 1002, nil},
		{"126-byte ping", cf(true, OpPing, strings.Repeat("p", 126)), 1002, nil},
		{"126-byte close", cf(true, OpClose, closeP(1000, strings.Repeat("r", 124))), 1002, nil},
		{"close payload of 1 byte", cf(true, OpClose, "\x03"), 1002, nil},
		{"close reason not UTF-8", cf(true, OpClose, closeP(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited")), 1007, nil},
		{"ping after bad text does not surface", cat(cf(true, OpText, "\xff"), cf(true, OpPing, "")), 1007, nil},
		{"invalid UTF-8 in one frame", cf(true, OpText, "ok\xc0\xafok"), 1007, nil},
		{"text ends inside a character", cf(true, OpText, "ok\xe2\x82"), 1007, nil},
		{"fragmented text ends inside a character", cat(cf(false, OpText, "ok"), cf(true, OpContinuation, "\xf0\x9f")), 1007, nil},
		{"surrogate", cf(true, OpText, "\xed\xa0\x80"), 1007, nil},
		{"above U+10FFFF", cf(true, OpText, "\xf4\x90\x80\x80"), 1007, nil},
		{"overlong 3 bytes", cf(true, OpText, "\xe0\x80\xaf"), 1007, nil},
		{"FE byte", cf(true, OpText, "\xfe"), 1007, nil},
		{"lone continuation", cf(true, OpText, "a\x80"), 1007, nil},
		{"64-bit length with top bit", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0}, 1002, nil},
		{"16-bit length not minimal", []byte{0x82, 0xfe, 0x00, 0x05}, 1002, nil},
	}
	for _, op := range []Opcode{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		tests = append(tests, struct {
			name   string
			stream []byte
			code   int
			before []string
		}{"reserved opcode " + op.String(), cat(cf(true, OpText, "a"), cf(true, op, ""), cf(true, OpText, "b")), 1002, []string{"text:a"}})
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		tests = append(tests, struct {
			name   string
			stream []byte
			code   int
			before []string
		}{"close code " + strconv.Itoa(code), cf(true, OpClose, closeP(code, "")), 1002, nil})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSplit(t, server, tc.stream, []byte{2, 9, 1})
			if got.Code != tc.code || !slices.Equal(got.Events, tc.before) {
				t.Fatalf("got %q code %d, want %q then code %d", got.Events, got.Code, tc.before, tc.code)
			}
		})
	}
}

// TestValidCloseCodesAccepted checks the codes Autobahn 7.7.x sends.
func TestValidCloseCodesAccepted(t *testing.T) {
	for _, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		got := feed(t, server(), [][]byte{cf(true, OpClose, closeP(code, "r"))})
		if got.Code != 0 || len(got.Events) != 1 || got.Events[0] != "close:"+strconv.Itoa(code)+":r" {
			t.Errorf("code %d: got %v err code %d", code, got.Events, got.Code)
		}
	}
}

// TestUTF8FailsAtFirstBadFragment feeds a fragmented text message piece by
// piece: the error must come with the bad fragment, not with the last.
func TestUTF8FailsAtFirstBadFragment(t *testing.T) {
	chunks := [][]byte{
		cf(false, OpText, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"),
		cf(false, OpContinuation, "\xf4\x90\x80\x80"), // bad: above U+10FFFF
		cf(false, OpContinuation, "\x65\x64\x69\x74\x65\x64"),
		cf(true, OpContinuation, ""),
	}
	got := feed(t, server(), chunks)
	if got.Code != 1007 || got.AtChunk != 1 {
		t.Fatalf("code %d at chunk %d, want 1007 at chunk 1", got.Code, got.AtChunk)
	}
}

// TestUTF8FailsInsideAFrame sends one text frame in chops: the error comes
// with the first chop holding the bad byte, before the frame is complete.
func TestUTF8FailsInsideAFrame(t *testing.T) {
	frame := cf(true, OpText, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64")
	hdr := 6
	chunks := [][]byte{frame[:hdr+4], frame[hdr+4 : hdr+14], frame[hdr+14:]}
	got := feed(t, server(), chunks)
	if got.Code != 1007 || got.AtChunk != 1 {
		t.Fatalf("code %d at chunk %d, want 1007 at chunk 1", got.Code, got.AtChunk)
	}
}

// TestPingAnsweredBeforeMessageCompletes checks that a ping arriving
// between fragments is delivered while the message is still incomplete.
func TestPingAnsweredBeforeMessageCompletes(t *testing.T) {
	c := server()
	got := feed(t, c, [][]byte{cat(cf(false, OpText, "part"), cf(true, OpPing, "now"))})
	if !slices.Equal(got.Events, []string{"ping:now"}) {
		t.Fatalf("got %q, want the ping alone", got.Events)
	}
	got = feed(t, c, [][]byte{cf(true, OpContinuation, "!")})
	if !slices.Equal(got.Events, []string{"text:part!"}) {
		t.Fatalf("got %q, want the message", got.Events)
	}
}

func TestMaxMessage(t *testing.T) {
	mk := func() *Conn { return NewConn(Server, Config{MaxMessage: 10}) }
	for _, tc := range []struct {
		name   string
		stream []byte
		code   int
	}{
		{"exactly max", cf(true, OpBinary, "0123456789"), 0},
		{"one frame over", cf(true, OpBinary, "0123456789a"), 1009},
		{"fragments over", cat(cf(false, OpText, "012345"), cf(true, OpContinuation, "6789a")), 1009},
		{"fragments at max", cat(cf(false, OpText, "01234"), cf(true, OpContinuation, "56789")), 0},
	} {
		if got := checkSplit(t, mk, tc.stream, []byte{4}); got.Code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, got.Code, tc.code)
		}
	}
	// The limit fails at the header, before a large payload arrives.
	hdr := AppendHeader(nil, Header{Fin: true, Op: OpBinary, Masked: true, Length: 1 << 40})
	if got := feed(t, mk(), [][]byte{hdr}); got.Code != 1009 {
		t.Fatalf("announced 1 TiB: code %d, want 1009 from the header alone", got.Code)
	}
}

func TestFailedConnStaysFailed(t *testing.T) {
	c := server()
	feed(t, c, [][]byte{cf(true, 3, "")})
	_, n, err := c.Decode(cf(true, OpText, "x"))
	if err == nil || n != 6+1 || c.Err() == nil {
		t.Fatalf("after failing: n=%d err=%v", n, err)
	}
	if !strings.Contains(err.Error(), "1002 protocol error: reserved opcode 3") {
		t.Fatalf("error text %q", err)
	}
}

// TestClientServerRoundTrip encodes on one side and decodes on the other.
func TestClientServerRoundTrip(t *testing.T) {
	cl, sv := NewConn(Client, Config{}), NewConn(Server, Config{})
	var wire []byte
	var err error
	big := bytes.Repeat([]byte("ab"), 40000)
	wire, _ = cl.AppendText(wire, []byte("héllo"))
	wire, _ = cl.AppendBinary(wire, big)
	wire, _ = cl.AppendPing(wire, []byte("p"))
	wire, _ = cl.AppendFragment(wire, OpText, []byte("fr"), false)
	wire, _ = cl.AppendFragment(wire, OpContinuation, []byte("ag"), true)
	wire, err = cl.AppendClose(wire, 1000, "done")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AppendText(nil, []byte("late")); err != ErrClosed {
		t.Fatalf("send after close: %v", err)
	}
	got := feed(t, sv, [][]byte{wire})
	want := []string{"text:héllo", "binary:" + string(big), "ping:p", "text:frag", "close:1000:done"}
	if got.Code != 0 || !slices.Equal(got.Events, want) {
		t.Fatalf("server decoded %d events code %d", len(got.Events), got.Code)
	}
	// The server answers unmasked; the client decodes it.
	var back []byte
	back, _ = sv.AppendPong(back, []byte("p"))
	back = sv.AppendCloseReply(back, 1000)
	got = feed(t, cl, [][]byte{back})
	if !slices.Equal(got.Events, []string{"pong:p", "close:1000:"}) {
		t.Fatalf("client decoded %q", got.Events)
	}
	// A server frame that is masked fails the client.
	if got := feed(t, NewConn(Client, Config{}), [][]byte{cf(true, OpText, "x")}); got.Code != 1002 {
		t.Fatalf("masked server frame: code %d", got.Code)
	}
}

func TestClientMasksWithFreshKeys(t *testing.T) {
	cl := NewConn(Client, Config{})
	seen := map[[4]byte]bool{}
	for range 64 {
		f, _ := cl.AppendText(nil, []byte("same"))
		h, _, _ := ParseHeader(f)
		if !h.Masked {
			t.Fatal("client frame not masked")
		}
		seen[h.Key] = true
	}
	if len(seen) < 60 {
		t.Fatalf("%d distinct keys in 64 frames", len(seen))
	}
}

func TestEncodeErrors(t *testing.T) {
	c := server()
	if _, err := c.AppendText(nil, []byte("\xff")); err != ErrInvalidText {
		t.Errorf("invalid text: %v", err)
	}
	if _, err := c.AppendPing(nil, make([]byte, 126)); err == nil || !strings.Contains(err.Error(), "126 bytes > 125") {
		t.Errorf("long ping: %v", err)
	}
	if _, err := c.AppendClose(nil, 1005, ""); err == nil {
		t.Error("close 1005 was accepted")
	}
	if _, err := c.AppendClose(nil, 1000, strings.Repeat("r", 124)); err == nil {
		t.Error("124-byte reason was accepted")
	}
	if c.CloseSent() {
		t.Error("a refused close counts as sent")
	}
	out, err := c.AppendClose(nil, 0, "")
	if err != nil || !bytes.Equal(out, []byte{0x88, 0x00}) {
		t.Errorf("empty close: % x %v", out, err)
	}
	if again, _ := c.AppendClose(nil, 1000, ""); len(again) != 0 {
		t.Errorf("second close appended % x", again)
	}
}
