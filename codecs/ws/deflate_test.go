package ws

import (
	"bytes"
	"compress/flate"
	"slices"
	"strings"
	"testing"
)

func TestAcceptDeflate(t *testing.T) {
	tests := []struct {
		name   string
		offer  string
		cfg    DeflateConfig
		ok     bool
		answer string
		params DeflateParams
	}{
		{"plain", "permessage-deflate", DeflateConfig{}, true, "permessage-deflate", DeflateParams{}},
		{"no offer", "x-webkit-deflate-frame", DeflateConfig{}, false, "", DeflateParams{}},
		{"client_max_window_bits without value", "permessage-deflate; client_max_window_bits", DeflateConfig{}, true, "permessage-deflate",
			DeflateParams{}},
		{"both no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover", DeflateConfig{}, true,
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{"server asks for its own no_context_takeover", "permessage-deflate", DeflateConfig{NoContextTakeover: true}, true,
			"permessage-deflate; server_no_context_takeover", DeflateParams{ServerNoContextTakeover: true}},
		{"server window 15 answered", "permessage-deflate; server_max_window_bits=15", DeflateConfig{}, true,
			"permessage-deflate; server_max_window_bits=15", DeflateParams{ServerMaxWindowBits: 15}},
		{"server window 9 declined", "permessage-deflate; server_max_window_bits=9", DeflateConfig{}, false, "", DeflateParams{}},
		{"first offer declined, second taken", "permessage-deflate; server_max_window_bits=10, permessage-deflate; client_no_context_takeover", DeflateConfig{}, true,
			"permessage-deflate; client_no_context_takeover", DeflateParams{ClientNoContextTakeover: true}},
		{"unknown parameter declined", "permessage-deflate; foo=1", DeflateConfig{}, false, "", DeflateParams{}},
		{"repeated parameter declined", "permessage-deflate; client_no_context_takeover; client_no_context_takeover", DeflateConfig{}, false, "", DeflateParams{}},
		{"flag with a value declined", "permessage-deflate; server_no_context_takeover=1", DeflateConfig{}, false, "", DeflateParams{}},
		{"window out of range declined", "permessage-deflate; client_max_window_bits=16", DeflateConfig{}, false, "", DeflateParams{}},
		{"window with leading zero declined", "permessage-deflate; client_max_window_bits=09", DeflateConfig{}, false, "", DeflateParams{}},
		{"server window without value declined", "permessage-deflate; server_max_window_bits", DeflateConfig{}, false, "", DeflateParams{}},
		{"quoted value", `permessage-deflate; client_max_window_bits="10"`, DeflateConfig{}, true, "permessage-deflate", DeflateParams{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			offers, err := ParseExtensions([]string{tc.offer})
			if err != nil {
				t.Fatal(err)
			}
			p, answer, ok := AcceptDeflate(offers, tc.cfg)
			if ok != tc.ok || answer != tc.answer || p != tc.params {
				t.Fatalf("got %v %q %+v, want %v %q %+v", ok, answer, p, tc.ok, tc.answer, tc.params)
			}
		})
	}
}

func TestParseDeflateResponse(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		on     bool
		err    string
		params DeflateParams
	}{
		{"none", "", false, "", DeflateParams{}},
		{"plain", "permessage-deflate", true, "", DeflateParams{}},
		{"server window 10 is fine for our inflater", "permessage-deflate; server_max_window_bits=10", true, "", DeflateParams{ServerMaxWindowBits: 10}},
		{"no context takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover", true, "",
			DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{"client window not offered", "permessage-deflate; client_max_window_bits=10", false, "invalid", DeflateParams{}},
		{"unknown extension", "x-foo", false, "not offered", DeflateParams{}},
		{"twice", "permessage-deflate, permessage-deflate", false, "twice", DeflateParams{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			exts, err := ParseExtensions([]string{tc.answer})
			if err != nil {
				t.Fatal(err)
			}
			p, on, err := ParseDeflateResponse(exts, DeflateConfig{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || on != tc.on || p != tc.params {
				t.Fatalf("got %+v %v %v", p, on, err)
			}
		})
	}
	if _, err := ParseExtensions([]string{"permessage-deflate; a b"}); err == nil {
		t.Error("a parameter with a space parsed")
	}
}

// TestDeflateRoundTrip compresses on each side with and without context
// takeover and checks the other side reads every message back.
func TestDeflateRoundTrip(t *testing.T) {
	msgs := [][]byte{[]byte(""), []byte("hello hello hello hello"), bytes.Repeat([]byte("netplay "), 5000), []byte("hello hello hello hello")}
	for _, p := range []DeflateParams{{}, {ServerNoContextTakeover: true, ClientNoContextTakeover: true}, {ClientNoContextTakeover: true}} {
		cl, sv := NewConn(Client, Config{Deflate: &p}), NewConn(Server, Config{Deflate: &p})
		var up, down []byte
		var want []string
		for i, m := range msgs {
			if i%2 == 0 {
				up, _ = cl.AppendText(up, m)
				down, _ = sv.AppendText(down, m)
				want = append(want, "text:"+string(m))
			} else {
				up, _ = cl.AppendBinary(up, m)
				down, _ = sv.AppendBinary(down, m)
				want = append(want, "binary:"+string(m))
			}
		}
		if h, _, _ := ParseHeader(up); h.Rsv != Rsv1 {
			t.Fatalf("%+v: compressed frame without RSV1", p)
		}
		if got := feed(t, sv, [][]byte{up}); got.Code != 0 || !slices.Equal(got.Events, want) {
			t.Fatalf("%+v: server read code %d, %d events", p, got.Code, len(got.Events))
		}
		if got := feed(t, cl, [][]byte{down}); got.Code != 0 || !slices.Equal(got.Events, want) {
			t.Fatalf("%+v: client read code %d, %d events", p, got.Code, len(got.Events))
		}
	}
}

// TestDeflateContextTakeoverShrinks shows the second identical message is
// smaller with context takeover (it refers back to the first).
func TestDeflateContextTakeoverShrinks(t *testing.T) {
	msg := []byte(strings.Repeat("a fairly unique sentence, 0123456789. ", 20))
	sizes := func(p DeflateParams) (int, int) {
		c := NewConn(Server, Config{Deflate: &p})
		a, _ := c.AppendText(nil, msg)
		b, _ := c.AppendText(nil, msg)
		return len(a), len(b)
	}
	a1, b1 := sizes(DeflateParams{})
	_, b2 := sizes(DeflateParams{ServerNoContextTakeover: true})
	if b1 >= a1 || b1 >= b2 {
		t.Fatalf("with takeover %d then %d bytes, without %d", a1, b1, b2)
	}
}

func compressedFrame(t *testing.T, fin bool, op Opcode, rsv uint8, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(plain)
	w.Flush()
	z := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	return AppendFrame(nil, Header{Fin: fin, Rsv: rsv, Op: op, Masked: true, Key: testKey}, z)
}

func TestDeflateFails(t *testing.T) {
	p := &DeflateParams{}
	mk := func() *Conn { return NewConn(Server, Config{Deflate: p, MaxMessage: 1 << 16}) }
	bomb := compressedFrame(t, true, OpBinary, Rsv1, make([]byte, 1<<20))
	if len(bomb) > 2000 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	tests := []struct {
		name   string
		stream []byte
		code   int
	}{
		{"inflates past max_message", bomb, 1009},
		{"RSV1 on a continuation", cat(compressedFrame(t, false, OpText, Rsv1, []byte("ab")), cfRsv(Rsv1, OpContinuation, "x")), 1002},
		{"RSV1 on a ping", cfRsv(Rsv1, OpPing, ""), 1002},
		{"compressed invalid UTF-8", compressedFrame(t, true, OpText, Rsv1, []byte("ok\xff")), 1007},
		{"not deflate data", cfRsv(Rsv1, OpBinary, "\xff\xff\xff\xff"), 1007},
		{"RSV2 stays reserved", cfRsv(Rsv2, OpText, ""), 1002},
	}
	for _, tc := range tests {
		if got := checkSplit(t, mk, tc.stream, []byte{5}); got.Code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, got.Code, tc.code)
		}
	}
	// A fragmented compressed message: RSV1 on the first frame only.
	z := compressedFrame(t, true, OpText, Rsv1, []byte("fragmented and compressed"))
	h, hn, _ := ParseHeader(z)
	payload := append([]byte(nil), z[hn:]...)
	Mask(h.Key, 0, payload)
	stream := cat(
		AppendFrame(nil, Header{Rsv: Rsv1, Op: OpText, Masked: true, Key: testKey}, payload[:3]),
		cf(true, OpPing, "mid"),
		AppendFrame(nil, Header{Fin: true, Op: OpContinuation, Masked: true, Key: testKey}, payload[3:]))
	got := checkSplit(t, mk, stream, []byte{1, 2})
	if !slices.Equal(got.Events, []string{"ping:mid", "text:fragmented and compressed"}) {
		t.Fatalf("fragmented compressed: %q code %d", got.Events, got.Code)
	}
}
