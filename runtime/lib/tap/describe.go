package tap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// describe fills in ev.Frame, when the conn's codec gave none, for the
// protocols a tap can tell from the bytes alone: an HTTP request or status
// line at the start of a chunk, and WebSocket frames on a conn whose
// handshake answer (101) the tap saw. t.mu is held.
func (t *Tap) describe(ev *Event) {
	if ws := t.ws[ev.ConnID]; ws != nil {
		ev.Frame = ws.describe(ev.Dir, ev.Data)
		return
	}
	if ev.Frame != "" {
		return
	}
	line, ok := httpHead(ev.Data)
	if !ok {
		return
	}
	ev.Frame = "HTTP " + line
	if strings.HasPrefix(line, "HTTP/1.1 101") || strings.HasPrefix(line, "HTTP/1.0 101") {
		if t.ws == nil {
			t.ws = make(map[uint64]*wsStream)
		}
		t.ws[ev.ConnID] = &wsStream{}
	}
}

// httpMethods start an HTTP/1 request line.
var httpMethods = []string{"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// httpHead returns the first line of b when b starts an HTTP/1 request or
// response head.
func httpHead(b []byte) (string, bool) {
	end := bytes.IndexByte(b, '\n')
	if end < 0 || end > 8192 {
		return "", false
	}
	line := string(bytes.TrimRight(b[:end], "\r"))
	if strings.HasPrefix(line, "HTTP/1.") && len(line) >= 12 {
		return printable(line, 100), true
	}
	for _, m := range httpMethods {
		if strings.HasPrefix(line, m) && strings.Contains(line, " HTTP/1.") {
			return printable(line, 100), true
		}
	}
	return "", false
}

func printable(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '.'
		}
		return r
	}, s)
}

// wsStream follows the WebSocket frames of one conn in each direction
// across chunks: rest is how many bytes of a frame begun in an earlier
// chunk are still to come.
type wsStream struct {
	rest [2]uint64
}

var wsOpcodes = map[byte]string{0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}

// describe summarizes the frames that start in b ("WS text fin 5 B
// \"hello\"; WS ping fin 0 B"), skipping the end of a frame begun before.
func (s *wsStream) describe(d Dir, b []byte) string {
	rest := &s.rest[d]
	skip := min(*rest, uint64(len(b)))
	*rest -= skip
	b = b[skip:]
	var parts []string
	for n := 0; len(b) > 0; n++ {
		hlen, plen, ok := wsHeader(b)
		if !ok { // a header cut across chunks: give up following this conn
			parts = append(parts, "WS (partial header)")
			*rest = 0
			break
		}
		op := b[0] & 0x0f
		name, known := wsOpcodes[op]
		if !known {
			name = fmt.Sprintf("opcode %d", op)
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "WS %s", name)
		if b[0]&0x80 != 0 {
			sb.WriteString(" fin")
		}
		masked := b[1]&0x80 != 0
		if masked {
			sb.WriteString(" masked")
		}
		fmt.Fprintf(&sb, " %d B", plen)
		avail := min(plen, uint64(len(b)-hlen))
		if (op == 1 || op == 8) && avail > 0 {
			p := append([]byte(nil), b[hlen:hlen+int(min(avail, 48))]...)
			if masked {
				key := b[hlen-4 : hlen]
				for i := range p {
					p[i] ^= key[i%4]
				}
			}
			if op == 8 && len(p) >= 2 {
				fmt.Fprintf(&sb, " code %d", binary.BigEndian.Uint16(p))
				p = p[2:]
			}
			if len(p) > 0 {
				sb.WriteString(" " + Preview(p, 40))
			}
		}
		switch { // frames past the fourth are followed, not shown
		case n < 4:
			parts = append(parts, sb.String())
		case n == 4:
			parts = append(parts, "…")
		}
		b = b[hlen+int(avail):]
		if avail < plen {
			*rest = plen - avail
		}
	}
	return strings.Join(parts, "; ")
}

// wsHeader parses a frame header: its length and the payload's.
func wsHeader(b []byte) (hlen int, plen uint64, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	hlen = 2
	plen = uint64(b[1] & 0x7f)
	switch plen {
	case 126:
		if len(b) < 4 {
			return 0, 0, false
		}
		plen, hlen = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0, 0, false
		}
		plen, hlen = binary.BigEndian.Uint64(b[2:]), 10
	}
	if b[1]&0x80 != 0 {
		hlen += 4
	}
	if len(b) < hlen {
		return 0, 0, false
	}
	return hlen, plen, true
}
