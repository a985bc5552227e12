package bench

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

// wsProto upgrades the conn (RFC 6455 client handshake), then sends masked
// text frames of size bytes and wants each payload echoed back in one
// unfragmented text or binary frame. Pings are answered with pongs.
type wsProto struct {
	tgt    target
	pat    []byte
	size   int
	verify bool
	key    string
	mask   [4]byte
}

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func newWSProto(t target, pat []byte, size int, verify bool) *wsProto {
	var k [16]byte
	rand.Read(k[:])
	p := &wsProto{tgt: t, pat: pat, size: size, verify: verify, key: base64.StdEncoding.EncodeToString(k[:])}
	rand.Read(p.mask[:])
	return p
}

func (p *wsProto) hello() []byte {
	return []byte("GET " + p.tgt.path + " HTTP/1.1\r\nHost: " + p.tgt.host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + p.key +
		"\r\nSec-WebSocket-Version: 13\r\nUser-Agent: netplay-bench\r\n\r\n")
}

func (p *wsProto) helloReply(in []byte) (int, bool, error) {
	h, err := scanHead(in)
	if err != nil {
		return 0, false, fmt.Errorf("ws handshake: %w", err)
	}
	if h.headLen == 0 {
		return 0, false, nil
	}
	if h.status != 101 {
		return h.headLen, false, fmt.Errorf("ws handshake: status %d, want 101", h.status)
	}
	sum := sha1.Sum([]byte(p.key + wsGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	if got := headerValue(in[:h.headLen], "Sec-WebSocket-Accept"); got != want {
		return h.headLen, false, fmt.Errorf("ws handshake: Sec-WebSocket-Accept %q, want %q", got, want)
	}
	return h.headLen, true, nil
}

// headerValue returns the first value of header name in a response head.
func headerValue(head []byte, name string) string {
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimSpace(k), []byte(name)) {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// appendFrame appends one masked client frame.
func (p *wsProto) appendFrame(dst []byte, op byte, data []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(data); {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, p.mask[:]...)
	start := len(dst)
	dst = append(dst, data...)
	for i := range data {
		dst[start+i] ^= p.mask[i&3]
	}
	return dst
}

func (p *wsProto) request(dst []byte, seq uint64) []byte {
	return p.appendFrame(dst, 0x1, payload(p.pat, p.size, seq))
}

var errWSFrame = errors.New("ws: bad frame")

// maxWSFrame bounds a server frame's payload.
const maxWSFrame = 16 << 20

func (p *wsProto) reply(in []byte, seq uint64, out *[]byte) reply {
	if len(in) < 2 {
		return reply{}
	}
	b0, b1 := in[0], in[1]
	if b1&0x80 != 0 || b0&0x70 != 0 { // servers never mask; no extensions
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	hl, n := 2, uint64(b1&0x7f)
	switch n {
	case 126:
		if len(in) < 4 {
			return reply{}
		}
		hl, n = 4, uint64(binary.BigEndian.Uint16(in[2:]))
	case 127:
		if len(in) < 10 {
			return reply{}
		}
		hl, n = 10, binary.BigEndian.Uint64(in[2:])
	}
	if n > maxWSFrame {
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	if uint64(len(in)-hl) < n {
		return reply{}
	}
	total := hl + int(n)
	data := in[hl:total]
	switch op := b0 & 0x0f; {
	case b0&0x80 == 0 || op == 0:
		return reply{n: len(in), kind: "ws_fragmented", fatal: true}
	case op == 0x9: // ping
		*out = p.appendFrame(*out, 0xA, data)
		return reply{n: total, skip: true}
	case op == 0xA: // pong
		return reply{n: total, skip: true}
	case op == 0x8:
		return reply{n: len(in), kind: "ws_close", fatal: true}
	case op != 0x1 && op != 0x2:
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	if p.verify && !bytes.Equal(data, payload(p.pat, p.size, seq)) {
		return reply{n: total, kind: "mismatch"}
	}
	return reply{n: total}
}
