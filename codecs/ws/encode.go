package ws

import "fmt"

// AppendText appends p as one text message (compressed when
// permessage-deflate was negotiated). A text that is not UTF-8 is
// ErrInvalidText; after AppendClose it is ErrClosed. On error dst is
// returned unchanged.
func (c *Conn) AppendText(dst, p []byte) ([]byte, error) {
	if !ValidUTF8(p) {
		return dst, ErrInvalidText
	}
	return c.appendData(dst, OpText, p)
}

// AppendBinary appends p as one binary message (compressed when
// permessage-deflate was negotiated); after AppendClose it is ErrClosed.
func (c *Conn) AppendBinary(dst, p []byte) ([]byte, error) {
	return c.appendData(dst, OpBinary, p)
}

func (c *Conn) appendData(dst []byte, op Opcode, p []byte) ([]byte, error) {
	if c.closeSent {
		return dst, ErrClosed
	}
	h := Header{Fin: true, Op: op}
	if c.defl != nil {
		h.Rsv = Rsv1
		p = c.defl.deflate(p)
	}
	return c.appendFrame(dst, h, p), nil
}

// AppendFragment appends one frame of a fragmented message, uncompressed:
// op is OpText or OpBinary for the first frame and OpContinuation for the
// others; fin marks the last. The caller keeps the order; a Conn does not
// check it (the peer does).
func (c *Conn) AppendFragment(dst []byte, op Opcode, p []byte, fin bool) ([]byte, error) {
	if c.closeSent {
		return dst, ErrClosed
	}
	if op != OpText && op != OpBinary && op != OpContinuation {
		return dst, fmt.Errorf("ws: fragment: opcode %s is not text, binary or continuation", op)
	}
	return c.appendFrame(dst, Header{Fin: fin, Op: op}, p), nil
}

// AppendPing appends a ping with payload p (at most 125 bytes).
func (c *Conn) AppendPing(dst, p []byte) ([]byte, error) { return c.appendControl(dst, OpPing, p) }

// AppendPong appends a pong with payload p (at most 125 bytes); the answer
// to a ping carries the ping's payload.
func (c *Conn) AppendPong(dst, p []byte) ([]byte, error) { return c.appendControl(dst, OpPong, p) }

func (c *Conn) appendControl(dst []byte, op Opcode, p []byte) ([]byte, error) {
	if c.closeSent {
		return dst, ErrClosed
	}
	if len(p) > MaxControlPayload {
		return dst, fmt.Errorf("ws: %s: payload of %d bytes > %d", op, len(p), MaxControlPayload)
	}
	return c.appendFrame(dst, Header{Fin: true, Op: op}, p), nil
}

// AppendClose appends a close frame with code and reason (code 0 sends an
// empty payload) and marks the close as sent; a second call appends
// nothing. A code that may not be sent (see [ValidCloseCode]) or a reason
// over 123 bytes is an error and nothing is appended.
func (c *Conn) AppendClose(dst []byte, code int, reason string) ([]byte, error) {
	if c.closeSent {
		return dst, nil
	}
	var buf [MaxControlPayload]byte
	p, err := AppendClosePayload(buf[:0], code, reason)
	if err != nil {
		return dst, err
	}
	c.closeSent = true
	return c.appendFrame(dst, Header{Fin: true, Op: OpClose}, p), nil
}

// AppendCloseReply appends the answer to a peer's close frame with code:
// the same code echoed (an empty payload for CloseNoStatus), unless a close
// was already sent.
func (c *Conn) AppendCloseReply(dst []byte, code int) []byte {
	if code == CloseNoStatus || !ValidCloseCode(code) {
		code = 0
	}
	dst, _ = c.AppendClose(dst, code, "")
	return dst
}

// appendFrame appends h and p, masked with a fresh key on the client side.
func (c *Conn) appendFrame(dst []byte, h Header, p []byte) []byte {
	if c.role == Client {
		h.Masked = true
		k := uint32(c.rng.Uint64())
		h.Key = [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
	}
	return AppendFrame(dst, h, p)
}
