package ws

import (
	"strings"
	"testing"
)

// checkInvariants fails t when a decoded result breaks what the codec
// promises whatever the input: text is UTF-8, messages fit max, close
// codes are valid on the wire, and errors carry one of the three codes.
func checkInvariants(t *testing.T, r result, max int) {
	t.Helper()
	for _, e := range r.Events {
		kind, data, _ := strings.Cut(e, ":")
		switch kind {
		case "text":
			if !ValidUTF8([]byte(data)) {
				t.Fatalf("text message %q is not UTF-8", data)
			}
			fallthrough
		case "binary":
			if len(data) > max {
				t.Fatalf("message of %d bytes > max %d", len(data), max)
			}
		case "ping", "pong":
			if len(data) > MaxControlPayload {
				t.Fatalf("%s of %d bytes", kind, len(data))
			}
		}
	}
	switch r.Code {
	case 0, CloseProtocolError, CloseInvalidPayload, CloseMessageTooBig:
	default:
		t.Fatalf("failed with code %d", r.Code)
	}
}

// FuzzDecode decodes a raw byte stream on a server conn (and on one with
// permessage-deflate) whole, byte by byte and cut by cuts: all must agree.
func FuzzDecode(f *testing.F) {
	f.Add(cat(cf(true, OpText, "hello"), cf(true, OpPing, "p")), []byte{1}, false)
	f.Add(cat(cf(false, OpText, "\xce"), cf(true, OpPing, ""), cf(true, OpContinuation, "\xba")), []byte{2, 7}, false)
	f.Add(cat(cf(true, OpClose, closeP(1000, "bye")), cf(true, OpText, "x")), []byte{3}, false)
	f.Add(cfRsv(Rsv1, OpBinary, "\x00"), []byte{1}, true)
	f.Add(cf(true, OpBinary, strings.Repeat("z", 300)), []byte{40}, false)
	f.Fuzz(func(t *testing.T, data, cuts []byte, deflate bool) {
		const max = 4096
		cfg := Config{MaxMessage: max}
		if deflate {
			cfg.Deflate = &DeflateParams{}
		}
		r := checkSplit(t, func() *Conn { return NewConn(Server, cfg) }, data, cuts)
		checkInvariants(t, r, max)
	})
}

// FuzzDecodeFrames builds masked frames from a compact description, so the
// fuzzer explores frame sequences rather than masking failures: each frame
// is a first header byte (FIN, RSV, opcode), a length byte (0-255) and
// that many payload bytes taken from the rest.
func FuzzDecodeFrames(f *testing.F) {
	f.Add([]byte("\x01\x02ab\x89\x01p\x80\x02cd"), []byte{3})
	f.Add([]byte("\x01\x01\xce\x80\x01\xba"), []byte{1})
	f.Add([]byte("\x88\x02\x03\xe8\x81\x01x"), []byte{2})
	f.Add([]byte("\x81\x04\xf4\x90\x80\x80"), []byte{5})
	f.Fuzz(func(t *testing.T, desc, cuts []byte) {
		var stream []byte
		for len(desc) >= 2 {
			b0, n := desc[0], int(desc[1])
			desc = desc[2:]
			n = min(n, len(desc))
			h := Header{Fin: b0&0x80 != 0, Rsv: b0 & 0x70, Op: Opcode(b0 & 0x0f), Masked: true, Key: testKey}
			stream = AppendFrame(stream, h, desc[:n])
			desc = desc[n:]
		}
		r := checkSplit(t, func() *Conn { return NewConn(Server, Config{MaxMessage: 512}) }, stream, cuts)
		checkInvariants(t, r, 512)
	})
}

// FuzzParseHead checks the handshake head parsers never panic and never
// claim more bytes than they were given.
func FuzzParseHead(f *testing.F) {
	f.Add([]byte(AppendRequest(nil, ClientRequest{Host: "127.0.0.1", Key: "dGhlIHNhbXBsZSBub25jZQ=="})))
	f.Add(AppendAccept(nil, "dGhlIHNhbXBsZSBub25jZQ==", "chat", "permessage-deflate"))
	f.Add([]byte("GET / HTTP/1.1\r\nSec-WebSocket-Extensions: permessage-deflate; x=\"1\"\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, parse := range []func([]byte, int) (*Head, int, error){ParseRequestHead, ParseResponseHead} {
			h, n, err := parse(in, 1024)
			if n < 0 || n > len(in) || (err != nil && n != 0) || (h == nil && err == nil && n != 0) {
				t.Fatalf("n=%d err=%v for %d bytes", n, err, len(in))
			}
			if h != nil && h.Method != "" {
				_, _ = CheckUpgrade(h.Method, h) // must not panic
			}
		}
	})
}
