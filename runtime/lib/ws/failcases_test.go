package ws

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	wsc "github.com/netplay-lab/netplay/codecs/ws"
)

// These raw-socket tests complete e2e/ws_test.go's TestWSFailCases (which
// runs ws_echo.lua) with the rest of the cases Autobahn|Testsuite grades,
// against the same ServerConn on a Go echo handler: every reserved opcode
// and RSV bit, every forbidden close code, an oversized close, non-minimal
// lengths, a ping between fragments answered before the message ends, and
// frames after a close ignored. docs/websocket.md maps them to Autobahn's
// case families.

// rawWS does the opening handshake on a plain socket.
func rawWS(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	key := wsc.NewKey()
	if _, err := nc.Write(wsc.AppendRequest(nil, wsc.ClientRequest{Host: addr, Key: key})); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(nc)
	var head []byte
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		head = append(head, line...)
	}
	h, _, err := wsc.ParseResponseHead(head, 0)
	if err == nil {
		_, _, err = wsc.CheckResponse(h, key, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return nc, rd
}

// cframe is a masked client frame.
func cframe(fin bool, op wsc.Opcode, rsv uint8, payload string) []byte {
	return wsc.AppendFrame(nil, wsc.Header{Fin: fin, Rsv: rsv, Op: op, Masked: true, Key: [4]byte{9, 8, 7, 6}}, []byte(payload))
}

func closePayload(code int, reason string) string {
	return string(binary.BigEndian.AppendUint16(nil, uint16(code))) + reason
}

// serverFrames decodes the server's frames in data ("text:…", "pong:…",
// "close:CODE:reason").
func serverFrames(t *testing.T, data []byte) []string {
	t.Helper()
	c := wsc.NewConn(wsc.Client, wsc.Config{})
	var got []string
	for len(data) > 0 {
		m, n, err := c.Decode(data)
		if err != nil || (m.Kind == wsc.KindNone && n == 0) {
			t.Fatalf("server frames % x: %v", data, err)
		}
		data = data[n:]
		switch m.Kind {
		case wsc.KindClose:
			got = append(got, "close:"+strconv.Itoa(m.Code)+":"+m.Reason)
		case wsc.KindNone:
		default:
			got = append(got, m.Kind.String()+":"+string(m.Data))
		}
	}
	return got
}

// readToEOF reads what the server sends until it closes the conn.
func readToEOF(t *testing.T, rd *bufio.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(rd)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading until the server closes: %v", err)
	}
	return data
}

func TestRawFailCases(t *testing.T) {
	s, _ := startServer(t, ServerOptions{})
	type tc struct {
		name  string
		bytes []byte
		code  int
	}
	var cases []tc
	for _, op := range []wsc.Opcode{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		cases = append(cases, tc{"reserved opcode " + strconv.Itoa(int(op)), cframe(true, op, 0, ""), 1002})
	}
	for _, rsv := range []uint8{wsc.Rsv1, wsc.Rsv2, wsc.Rsv3} {
		cases = append(cases, tc{"RSV " + strconv.Itoa(int(rsv)) + " without an extension", cframe(true, wsc.OpText, rsv, "x"), 1002})
	}
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535} {
		cases = append(cases, tc{"close code " + strconv.Itoa(code), cframe(true, wsc.OpClose, 0, closePayload(code, "")), 1002})
	}
	cases = append(cases,
		tc{"fragmented close", cframe(false, wsc.OpClose, 0, closePayload(1000, "")), 1002},
		tc{"fragmented pong", cframe(false, wsc.OpPong, 0, ""), 1002},
		tc{"close reason of 124 bytes", cframe(true, wsc.OpClose, 0, closePayload(1000, strings.Repeat("r", 124))), 1002},
		tc{"16-bit length not minimal", []byte{0x82, 0xfe, 0x00, 0x05, 1, 2, 3, 4}, 1002},
		tc{"64-bit length with the top bit", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 1002},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nc, rd := rawWS(t, s.Addr())
			// A message before the bad frame is echoed; one after it is not.
			nc.Write(append(append(cframe(true, wsc.OpText, 0, "before"), c.bytes...), cframe(true, wsc.OpText, 0, "after")...))
			got := serverFrames(t, readToEOF(t, rd))
			if len(got) != 2 || got[0] != "text:before" || !strings.HasPrefix(got[1], "close:"+strconv.Itoa(c.code)+":") {
				t.Fatalf("server sent %q, want text:before then close %d", got, c.code)
			}
		})
	}
}

// TestRawPingBetweenFragments: the pong comes while the message is still
// incomplete (the last fragment is sent only after the pong was read).
func TestRawPingBetweenFragments(t *testing.T) {
	s, _ := startServer(t, ServerOptions{})
	nc, rd := rawWS(t, s.Addr())
	nc.Write(append(cframe(false, wsc.OpText, 0, "fra"), cframe(true, wsc.OpPing, 0, "mid")...))
	head := make([]byte, 2+3)
	if _, err := io.ReadFull(rd, head); err != nil {
		t.Fatalf("no pong before the message ended: %v", err)
	}
	if got := serverFrames(t, head); len(got) != 1 || got[0] != "pong:mid" {
		t.Fatalf("got %q, want pong:mid", got)
	}
	nc.Write(cframe(true, wsc.OpContinuation, 0, "gment"))
	nc.Write(cframe(true, wsc.OpClose, 0, closePayload(1000, "")))
	if got := serverFrames(t, readToEOF(t, rd)); len(got) != 2 || got[0] != "text:fragment" || got[1] != "close:1000:" {
		t.Fatalf("got %q, want the message then the close echoed", got)
	}
}

// TestRawFramesAfterCloseIgnored: what follows the peer's close frame in
// the same write is not handled (no echo, no second close).
func TestRawFramesAfterCloseIgnored(t *testing.T) {
	s, _ := startServer(t, ServerOptions{})
	nc, rd := rawWS(t, s.Addr())
	nc.Write(append(append(cframe(true, wsc.OpClose, 0, closePayload(1000, "bye")), cframe(true, wsc.OpText, 0, "late")...),
		cframe(true, 3, 0, "")...)) // even a bad frame after the close changes nothing
	if got := serverFrames(t, readToEOF(t, rd)); len(got) != 1 || got[0] != "close:1000:" {
		t.Fatalf("got %q, want only the close echoed", got)
	}
}
