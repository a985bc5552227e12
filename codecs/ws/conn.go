package ws

import (
	crand "crypto/rand"
	"errors"
	"math/rand/v2"
)

// Role says which end of the connection a [Conn] is: a server requires
// masked frames and sends unmasked ones, a client the other way round.
type Role uint8

const (
	// Server is the accepting end.
	Server Role = iota
	// Client is the dialing end; it masks every frame with a fresh key.
	Client
)

// DefaultMaxMessage is the longest message a Conn accepts by default
// (Lua: max_message = 1048576).
const DefaultMaxMessage = 1 << 20

// Config configures a [Conn]. The zero value is a server-side conn limited
// to messages of DefaultMaxMessage bytes, without compression.
type Config struct {
	// MaxMessage is the longest message accepted, after decompression, in
	// bytes; a longer one fails the conn with 1009. 0 (or less) means
	// DefaultMaxMessage.
	MaxMessage int64
	// Deflate holds the permessage-deflate parameters agreed in the
	// handshake ([AcceptDeflate], [ParseDeflateResponse]); nil means the
	// extension was not negotiated and RSV1 is a protocol error.
	Deflate *DeflateParams
}

// Kind says what a decoded [Message] is.
type Kind uint8

// Message kinds. KindNone means Decode returned no message.
const (
	KindNone Kind = iota
	KindText
	KindBinary
	KindPing
	KindPong
	KindClose
)

// String returns "text", "binary", "ping", "pong", "close" or "none".
func (k Kind) String() string {
	return [...]string{"none", "text", "binary", "ping", "pong", "close"}[k]
}

// Message is what [Conn.Decode] yields: a whole data message, or a control
// frame as soon as it arrives (also between the fragments of a message).
type Message struct {
	Kind Kind
	// Data is the payload (unmasked, decompressed). It aliases the input or
	// the Conn's buffer and is valid until the next call to Decode.
	Data []byte
	// Code and Reason are a close frame's status (CloseNoStatus when it had
	// no payload).
	Code   int
	Reason string
}

// ErrClosed is returned by the Append methods for data, ping and pong
// frames once a close frame has been sent.
var ErrClosed = errors.New("ws: send after close")

// ErrInvalidText is returned by AppendText for a text that is not UTF-8
// (a peer would fail the conn with 1007; send it as binary instead).
var ErrInvalidText = errors.New("ws: send: text is not valid UTF-8 (send it as binary)")

// Conn is one WebSocket connection's protocol state: the message assembler
// on the read side and the framer on the write side. It does no I/O. A Conn
// is not safe for concurrent use: it belongs to its connection's loop.
//
// Lifecycle: open → (close received and/or close sent) → done; or open →
// failed when Decode returns a *CloseError. After a close frame arrives,
// Decode ignores everything that follows.
type Conn struct {
	role Role
	max  int64

	err           error // the *CloseError the conn failed with
	closeReceived bool
	closeSent     bool

	// The fragmented message being assembled; msgOp is 0 when none.
	msgOp         Opcode
	msgCompressed bool
	msg           []byte
	text          utf8State // validator of the current text message (uncompressed)

	// scanned counts payload bytes of the frame at the head of the input
	// already unmasked in place (and validated, for text).
	scanned int64

	rng  *rand.ChaCha8 // client masking keys
	defl *deflateState // nil without permessage-deflate
}

// NewConn returns the protocol state of a new connection on side role.
func NewConn(role Role, cfg Config) *Conn {
	c := &Conn{role: role, max: cfg.MaxMessage}
	if c.max <= 0 {
		c.max = DefaultMaxMessage
	}
	if role == Client {
		var seed [32]byte
		_, _ = crand.Read(seed[:]) // never fails on supported platforms
		c.rng = rand.NewChaCha8(seed)
	}
	if cfg.Deflate != nil {
		c.defl = newDeflateState(role, *cfg.Deflate)
	}
	return c
}

// Role returns the side this Conn plays.
func (c *Conn) Role() Role { return c.role }

// CloseReceived reports whether the peer's close frame has been decoded.
func (c *Conn) CloseReceived() bool { return c.closeReceived }

// CloseSent reports whether a close frame has been appended by AppendClose.
func (c *Conn) CloseSent() bool { return c.closeSent }

// Err returns the *CloseError the conn failed with, or nil.
func (c *Conn) Err() error { return c.err }

// Decode looks at in (all bytes buffered so far, oldest first) and returns
// at most one message, with the same contract as the codecs package:
//   - m.Kind != KindNone: a message; n bytes are consumed.
//   - m.Kind == KindNone, n == 0, err == nil: more bytes are needed.
//   - m.Kind == KindNone, n > 0, err == nil: n bytes were consumed (a
//     fragment went into the assembler, or frames after a close were
//     ignored); call Decode again.
//   - err != nil: a *CloseError; the caller sends a close frame with its
//     code (AppendClose) and closes the conn. n is len(in).
//
// Decode unmasks payloads in place as they arrive, so the caller must pass
// back the bytes it has not discarded unchanged, plus new ones appended.
// A text message is checked as each piece arrives: invalid UTF-8 fails at
// the first bad byte, not at the end of the message.
func (c *Conn) Decode(in []byte) (m Message, n int, err error) {
	if c.err != nil {
		return m, len(in), c.err
	}
	if c.closeReceived {
		return m, len(in), nil // frames after a close are ignored
	}
	h, hn, err := ParseHeader(in)
	if err != nil {
		return c.fail(in, err)
	}
	if hn == 0 {
		return m, 0, nil
	}
	isText, err := c.check(h)
	if err != nil {
		return c.fail(in, err)
	}
	have := min(int64(len(in)-hn), h.Length)
	if have > c.scanned {
		fresh := in[hn+int(c.scanned) : hn+int(have)]
		if h.Masked {
			Mask(h.Key, int(c.scanned), fresh)
		}
		if isText {
			if c.scanned == 0 && h.Op == OpText {
				c.text = uAccept
			}
			if c.text = c.text.feed(fresh); c.text == uReject {
				return c.fail(in, invalidPayload("text message is not valid UTF-8"))
			}
		}
		c.scanned = have
	}
	if have < h.Length {
		return m, 0, nil
	}
	c.scanned = 0
	n = hn + int(h.Length)
	payload := in[hn:n]
	switch h.Op {
	case OpPing:
		return Message{Kind: KindPing, Data: payload}, n, nil
	case OpPong:
		return Message{Kind: KindPong, Data: payload}, n, nil
	case OpClose:
		code, reason, err := ParseClosePayload(payload)
		if err != nil {
			return c.fail(in, err)
		}
		c.closeReceived = true
		return Message{Kind: KindClose, Data: payload, Code: code, Reason: reason}, n, nil
	}
	m, err = c.dataFrame(h, payload, isText)
	if err != nil {
		return c.fail(in, err)
	}
	return m, n, nil
}

// check validates a frame header against the conn's state before any of
// its payload is looked at, so a bad frame fails at once. It reports
// whether the payload is uncompressed text to validate as it arrives.
func (c *Conn) check(h Header) (isText bool, err error) {
	if h.Op.IsReserved() {
		return false, protocolErr("reserved opcode %d", h.Op)
	}
	if c.role == Server && !h.Masked {
		return false, protocolErr("client frame not masked")
	}
	if c.role == Client && h.Masked {
		return false, protocolErr("server frame masked")
	}
	compressedStart := h.Rsv == Rsv1 && c.defl != nil && (h.Op == OpText || h.Op == OpBinary)
	if h.Rsv != 0 && !compressedStart {
		return false, protocolErr("reserved bits 0x%02x set without an extension", h.Rsv)
	}
	if h.Op.IsControl() {
		if !h.Fin {
			return false, protocolErr("fragmented %s frame", h.Op)
		}
		if h.Length > MaxControlPayload {
			return false, protocolErr("%s payload of %d bytes > %d", h.Op, h.Length, MaxControlPayload)
		}
		return false, nil
	}
	size := h.Length
	if h.Op == OpContinuation {
		if c.msgOp == 0 {
			return false, protocolErr("continuation with nothing to continue")
		}
		size += int64(len(c.msg))
		isText = c.msgOp == OpText && !c.msgCompressed
	} else {
		if c.msgOp != 0 {
			return false, protocolErr("new %s frame inside a fragmented message", h.Op)
		}
		isText = h.Op == OpText && !compressedStart
	}
	if size > c.max {
		return false, tooBig(size, c.max)
	}
	return isText, nil
}

// dataFrame takes a whole data frame and returns the message it completes,
// or KindNone when it is a fragment of a message still arriving.
func (c *Conn) dataFrame(h Header, payload []byte, isText bool) (Message, error) {
	if h.Op != OpContinuation && h.Fin && h.Rsv == 0 {
		// The common case: a whole message in one frame, used in place.
		if isText && c.text != uAccept {
			return Message{}, invalidPayload("text message ends inside a character")
		}
		return Message{Kind: kindOf(h.Op), Data: payload}, nil
	}
	if h.Op != OpContinuation {
		c.msgOp, c.msgCompressed = h.Op, h.Rsv == Rsv1
		if cap(c.msg) > maxKeptBuffer {
			c.msg = nil // give a big buffer back rather than keep it per conn
		}
		c.msg = c.msg[:0]
	}
	c.msg = append(c.msg, payload...)
	if !h.Fin {
		return Message{}, nil
	}
	op, data := c.msgOp, c.msg
	c.msgOp = 0
	if c.msgCompressed {
		var err error
		if data, err = c.defl.inflate(data, c.max); err != nil {
			return Message{}, err
		}
		if op == OpText && !ValidUTF8(data) {
			return Message{}, invalidPayload("text message is not valid UTF-8")
		}
	} else if isText && c.text != uAccept {
		return Message{}, invalidPayload("text message ends inside a character")
	}
	return Message{Kind: kindOf(op), Data: data}, nil
}

// maxKeptBuffer is the largest assembly buffer a Conn keeps between
// messages, so 10k idle conns stay cheap after one large message each.
const maxKeptBuffer = 64 << 10

func kindOf(op Opcode) Kind {
	if op == OpText {
		return KindText
	}
	return KindBinary
}

func (c *Conn) fail(in []byte, err error) (Message, int, error) {
	c.err = err
	c.msg = nil
	return Message{}, len(in), err
}
