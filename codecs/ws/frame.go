// Package ws is netplay's WebSocket codec (RFC 6455): frame headers and
// masking, a per-connection message assembler that fails a connection with
// the close code a strict peer (Autobahn|Testsuite) expects, the close
// handshake, optional permessage-deflate (RFC 7692) and the opening
// handshake's helpers for both sides.
//
// The package is pure Go: it knows nothing of Lua or of the reactor. A
// runtime feeds a [Conn] the bytes it reads and writes what the Conn's
// Append methods produce; the Conn never does I/O itself.
package ws

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Opcode is a frame's opcode (RFC 6455 section 5.2).
type Opcode uint8

// Opcodes defined by RFC 6455; 3-7 and 11-15 are reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether op is a control opcode (close, ping, pong or a
// reserved 11-15).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// IsReserved reports whether op is one of the reserved opcodes 3-7 and 11-15.
func (op Opcode) IsReserved() bool {
	return op > OpBinary && op != OpClose && op != OpPing && op != OpPong
}

// String returns the opcode's name: "text", "binary", "ping", …, or
// "reserved(N)".
func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved(" + strconv.Itoa(int(op)) + ")"
}

// RSV bits in the first header byte.
const (
	Rsv1 = 0x40 // permessage-deflate's "compressed" bit
	Rsv2 = 0x20
	Rsv3 = 0x10
)

// MaxControlPayload is the longest payload of a ping, pong or close frame.
const MaxControlPayload = 125

// MaxHeaderLen is the longest frame header: 2 bytes, an 8-byte length and a
// 4-byte masking key.
const MaxHeaderLen = 14

// Header is one frame's header. The zero value is a continuation frame
// without FIN, unmasked, with an empty payload.
type Header struct {
	Fin    bool
	Rsv    uint8 // Rsv1|Rsv2|Rsv3 bits as they sit in the first byte
	Op     Opcode
	Masked bool
	Key    [4]byte // masking key; meaningful when Masked
	Length int64   // payload length
}

// ParseHeader reads a frame header from the start of in. It returns the
// header and its length in bytes, or n == 0 when in does not hold a whole
// header yet. A 64-bit length with its top bit set, or a length not written
// in its shortest form, is a 1002 protocol error.
func ParseHeader(in []byte) (h Header, n int, err error) {
	if len(in) < 2 {
		return h, 0, nil
	}
	b0, b1 := in[0], in[1]
	h.Fin = b0&0x80 != 0
	h.Rsv = b0 & (Rsv1 | Rsv2 | Rsv3)
	h.Op = Opcode(b0 & 0x0f)
	h.Masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7f; l {
	case 126:
		if len(in) < 4 {
			return h, 0, nil
		}
		h.Length = int64(binary.BigEndian.Uint16(in[2:4]))
		n = 4
		if h.Length < 126 {
			return h, 0, protocolErr("16-bit length %d not minimal", h.Length)
		}
	case 127:
		if len(in) < 10 {
			return h, 0, nil
		}
		u := binary.BigEndian.Uint64(in[2:10])
		if u > math.MaxInt64 {
			return h, 0, protocolErr("64-bit length has its top bit set")
		}
		h.Length = int64(u)
		n = 10
		if h.Length <= math.MaxUint16 {
			return h, 0, protocolErr("64-bit length %d not minimal", h.Length)
		}
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		if len(in) < n+4 {
			return h, 0, nil
		}
		copy(h.Key[:], in[n:n+4])
		n += 4
	}
	return h, n, nil
}

// AppendHeader appends h, encoded, to dst. The length is written in its
// shortest form.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := h.Rsv&(Rsv1|Rsv2|Rsv3) | byte(h.Op&0x0f)
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	switch {
	case h.Length < 126:
		dst = append(dst, b0, b1|byte(h.Length))
	case h.Length <= math.MaxUint16:
		dst = append(dst, b0, b1|126, byte(h.Length>>8), byte(h.Length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Key[:]...)
	}
	return dst
}

// AppendFrame appends a whole frame: h (its Length set to len(payload)) and
// the payload, masked with h.Key when h.Masked. payload is not modified.
func AppendFrame(dst []byte, h Header, payload []byte) []byte {
	h.Length = int64(len(payload))
	dst = AppendHeader(dst, h)
	start := len(dst)
	dst = append(dst, payload...)
	if h.Masked {
		Mask(h.Key, 0, dst[start:])
	}
	return dst
}

// Mask XORs b in place with key, b's first byte being byte pos of the
// payload, and returns the position after b. Masking twice unmasks.
func Mask(key [4]byte, pos int, b []byte) int {
	if len(b) == 0 {
		return pos
	}
	// Rotate the key so that k[0] applies to b[0].
	var k [4]byte
	for i := range k {
		k[i] = key[(pos+i)&3]
	}
	k32 := binary.LittleEndian.Uint32(k[:])
	k64 := uint64(k32) | uint64(k32)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= k[i&3]
	}
	return pos + len(b)
}
