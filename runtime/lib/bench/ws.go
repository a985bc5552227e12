package bench

import (
	"bytes"
	"crypto/rand"
	"fmt"

	"github.com/netplay-lab/netplay/codecs/ws"
)

// wsProto upgrades the conn (the client handshake of codecs/ws), then
// sends masked text frames of size bytes and wants each payload echoed
// back in one unfragmented text or binary frame. Pings are answered with
// pongs; fragmented replies are not reassembled (an echo server does not
// fragment small messages) and count as "ws_fragmented".
type wsProto struct {
	tgt    target
	pat    []byte
	size   int
	verify bool
	key    string
	mask   [4]byte
}

func newWSProto(t target, pat []byte, size int, verify bool) *wsProto {
	p := &wsProto{tgt: t, pat: pat, size: size, verify: verify, key: ws.NewKey()}
	rand.Read(p.mask[:])
	return p
}

func (p *wsProto) hello() []byte {
	return ws.AppendRequest(nil, ws.ClientRequest{Host: p.tgt.host, Path: p.tgt.path, Key: p.key})
}

func (p *wsProto) helloReply(in []byte) (int, bool, error) {
	h, n, err := ws.ParseResponseHead(in, ws.DefaultMaxHead)
	if err != nil {
		return 0, false, fmt.Errorf("ws handshake: %w", err)
	}
	if n == 0 {
		return 0, false, nil
	}
	if _, _, err := ws.CheckResponse(h, p.key, nil); err != nil {
		return n, false, fmt.Errorf("ws handshake: %w", err)
	}
	return n, true, nil
}

// frame appends one masked client frame.
func (p *wsProto) frame(dst []byte, op ws.Opcode, data []byte) []byte {
	return ws.AppendFrame(dst, ws.Header{Fin: true, Op: op, Masked: true, Key: p.mask}, data)
}

func (p *wsProto) request(dst []byte, seq uint64) []byte {
	return p.frame(dst, ws.OpText, payload(p.pat, p.size, seq))
}

// goodbye is a close frame with code 1000, sent when the run ends.
func (p *wsProto) goodbye() []byte {
	body, _ := ws.AppendClosePayload(nil, ws.CloseNormal, "")
	return p.frame(nil, ws.OpClose, body)
}

// maxWSFrame bounds a server frame's payload.
const maxWSFrame = 16 << 20

func (p *wsProto) reply(in []byte, seq uint64, out *[]byte) reply {
	h, hl, err := ws.ParseHeader(in)
	if err != nil || h.Masked || h.Rsv != 0 || h.Length > maxWSFrame {
		return reply{n: len(in), kind: "protocol", fatal: true} // servers never mask; no extensions
	}
	if hl == 0 || int64(len(in)-hl) < h.Length {
		return reply{}
	}
	total := hl + int(h.Length)
	data := in[hl:total]
	switch {
	case !h.Fin || h.Op == ws.OpContinuation:
		return reply{n: len(in), kind: "ws_fragmented", fatal: true}
	case h.Op == ws.OpPing:
		*out = p.frame(*out, ws.OpPong, data)
		return reply{n: total, skip: true}
	case h.Op == ws.OpPong:
		return reply{n: total, skip: true}
	case h.Op == ws.OpClose:
		return reply{n: len(in), kind: "ws_close", fatal: true}
	case h.Op != ws.OpText && h.Op != ws.OpBinary:
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	if p.verify && !bytes.Equal(data, payload(p.pat, p.size, seq)) {
		return reply{n: total, kind: "mismatch"}
	}
	return reply{n: total}
}
