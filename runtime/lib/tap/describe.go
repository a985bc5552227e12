package tap

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// describe fills in ev.Frame, when the conn's codec gave none, for the
// protocols a tap can tell from the bytes alone: HTTP request and response
// heads at the start of a chunk (and the pipelined ones after them whose
// bodies have a Content-Length), and WebSocket frames on a conn whose
// handshake answer (101) the tap saw, from the bytes after that head on.
// t.mu is held.
func (t *Tap) describe(ev *Event) {
	if ws := t.ws[ev.ConnID]; ws != nil {
		ev.Frame = ws.describe(ev.Dir, ev.Data)
		return
	}
	if ev.Frame != "" {
		return
	}
	if _, isHead := httpHead(ev.Data); ev.WS && !isHead && len(ev.Data) > 0 {
		t.follow(ev.ConnID)
		ev.Frame = t.ws[ev.ConnID].describe(ev.Dir, ev.Data)
		return
	}
	b := ev.Data
	var parts []string
	for n := 0; len(b) > 0; n++ {
		h, ok := httpHead(b)
		if !ok {
			break
		}
		if n == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, "HTTP "+h.summary())
		if h.switching {
			ws := t.follow(ev.ConnID)
			if h.end >= 0 && h.end < len(b) { // the peer's first frames in the same chunk
				parts = append(parts, ws.describe(ev.Dir, b[h.end:]))
			}
			break
		}
		if h.end < 0 || h.body < 0 || h.body > len(b)-h.end {
			break // the head or its body goes on in a later chunk
		}
		b = b[h.end+h.body:]
	}
	ev.Frame = strings.Join(parts, "; ")
}

// follow starts reading conn id's chunks as WebSocket frames.
func (t *Tap) follow(id uint64) *wsStream {
	if t.ws == nil {
		t.ws = make(map[uint64]*wsStream)
	}
	ws := &wsStream{}
	t.ws[id] = ws
	return ws
}

// httpMethods start an HTTP/1 request line.
var httpMethods = []string{"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// keyHeaders are the header fields a trace line shows, in this order:
// those that decide framing, keep-alive and upgrades.
var keyHeaders = []string{"host", "content-type", "content-length", "transfer-encoding", "connection", "upgrade", "location", "sec-websocket-protocol"}

// head is what a trace line shows of one HTTP head.
type head struct {
	line      string            // the request or status line
	fields    map[string]string // the key headers seen, by lower-case name
	end       int               // offset just past the blank line; -1: not in the chunk
	body      int               // Content-Length; 0 without one; -1 chunked or unknown
	switching bool              // 101 Switching Protocols
}

// summary is "GET /x HTTP/1.1 [Host: h, Content-Length: 5]".
func (h head) summary() string {
	var kv []string
	for _, k := range keyHeaders {
		if v, ok := h.fields[k]; ok {
			kv = append(kv, canonical(k)+": "+v)
		}
	}
	if len(kv) == 0 {
		return h.line
	}
	return h.line + " [" + strings.Join(kv, ", ") + "]"
}

// canonical is an HTTP field name as Go's net/http spells it.
func canonical(k string) string {
	if k == "sec-websocket-protocol" {
		return "Sec-WebSocket-Protocol"
	}
	b := []byte(k)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '-'
	}
	return string(b)
}

// httpHead parses the HTTP/1 request or response head b starts with, as
// far as the chunk holds it.
func httpHead(b []byte) (head, bool) {
	h := head{end: -1}
	end := bytes.IndexByte(b, '\n')
	if end < 0 || end > 8192 {
		return h, false
	}
	line := string(bytes.TrimRight(b[:end], "\r"))
	isResp := strings.HasPrefix(line, "HTTP/1.") && len(line) >= 12
	ok := isResp
	for _, m := range httpMethods {
		if !ok && strings.HasPrefix(line, m) && strings.Contains(line, " HTTP/1.") {
			ok = true
		}
	}
	if !ok {
		return h, false
	}
	h.line = printable(line, 100)
	h.switching = isResp && line[9:12] == "101"
	noBody := isResp && (line[9] == '1' || line[9:12] == "204" || line[9:12] == "304")
	rest := b[end+1:]
	off := end + 1
	for len(rest) > 0 && len(h.fields) < len(keyHeaders) && off < 65536 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return h, true // the head goes on in the next chunk
		}
		f := bytes.TrimRight(rest[:i], "\r")
		off += i + 1
		rest = rest[i+1:]
		if len(f) == 0 {
			h.end = off
			break
		}
		name, val, ok := bytes.Cut(f, []byte(":"))
		if !ok {
			continue
		}
		k := strings.ToLower(string(bytes.TrimSpace(name)))
		for _, want := range keyHeaders {
			if k == want {
				if h.fields == nil {
					h.fields = make(map[string]string)
				}
				h.fields[k] = printable(string(bytes.TrimSpace(val)), 60)
			}
		}
	}
	if h.end < 0 { // stopped early: find the blank line
		if i := bytes.Index(b[end:], []byte("\r\n\r\n")); i >= 0 {
			h.end = end + i + 4
		}
	}
	cl, hasCL := h.fields["content-length"]
	switch {
	case noBody: // 1xx, 204, 304 (a HEAD's answer is not known here)
		h.body = 0
	case h.fields["transfer-encoding"] != "":
		h.body = -1
	case hasCL:
		h.body = -1
		if n, err := strconv.Atoi(cl); err == nil && n >= 0 {
			h.body = n
		}
	case !isResp: // a request without Content-Length has no body
		h.body = 0
	default: // a response read until the conn closes
		h.body = -1
	}
	return h, true
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
		compressed := b[0]&0x40 != 0 // RSV1: permessage-deflate
		if compressed {
			sb.WriteString(" rsv1")
		}
		masked := b[1]&0x80 != 0
		if masked {
			sb.WriteString(" masked")
		}
		fmt.Fprintf(&sb, " %d B", plen)
		avail := min(plen, uint64(len(b)-hlen))
		if (op == 1 && !compressed || op == 8) && avail > 0 {
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
