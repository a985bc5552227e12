// Package codecs frames a connection's byte stream into messages and back.
//
// Each codec follows Netty's semantics and parameter names (LineBasedFrameDecoder,
// DelimiterBasedFrameDecoder, FixedLengthFrameDecoder, LengthFieldBasedFrameDecoder,
// LengthFieldPrepender), plus RESP2 for Redis-compatible servers and clients.
// The package is pure Go: it knows nothing of Lua or of the reactor, so a Go
// program can frame a stream with it directly.
//
// A [Spec] describes a codec and is safe for concurrent use; [Spec.New] makes
// one stateful [Codec] per connection. A Codec is not safe for concurrent use:
// it belongs to its connection's loop goroutine.
//
// The decode loop a runtime runs for one connection is:
//
//	buf = append(buf, chunk...)
//	for {
//		frame, n, err := c.Decode(buf)
//		if err != nil { close the conn with err }
//		if frame != nil { deliver frame (copy it before discarding n bytes) }
//		if frame == nil && n == 0 { break } // need more bytes
//		buf = buf[n:]                        // discard what was consumed
//	}
//
// Decoders never copy: a frame aliases the input. They never allocate a length
// announced by the peer; memory is bounded by the buffered bytes, which every
// decoder keeps within its limit plus a small constant.
package codecs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Codec frames one connection's byte stream. A Codec is stateful, belongs to one
// connection and is not safe for concurrent use (loop goroutine only).
type Codec interface {
	// Decode looks at in (all bytes buffered so far, oldest first) and returns
	// at most one frame:
	//   - frame != nil: a frame, which may alias in and is valid until the caller
	//     discards n bytes. An empty frame is a non-nil empty slice.
	//   - frame == nil, n == 0, err == nil: more bytes are needed.
	//   - frame == nil, n > 0, err == nil: n bytes were skipped (discard mode, or
	//     an empty RESP command); call Decode again.
	//   - err != nil: a *FrameError; n bytes are to be dropped. The runtime closes
	//     the connection; a Go caller may drop n bytes and continue, as Netty does.
	//
	// The caller must pass, on the next call, the same bytes minus the n it
	// discarded, plus any new bytes appended: decoders remember how far they
	// have scanned so a long frame arriving in small pieces costs O(n).
	Decode(in []byte) (frame []byte, n int, err error)
	// Encode appends msg, framed, to dst and returns the extended slice. On error
	// (a *FrameError) dst is returned unchanged.
	Encode(dst, msg []byte) ([]byte, error)
}

// Spec describes a codec and makes per-connection instances. A Spec is
// immutable and safe for concurrent use.
type Spec interface {
	// Name returns the codec's Lua name: "raw", "line", "delimiter", "fixed",
	// "length_field", "length_prepender" or "resp".
	Name() string
	// New returns a fresh Codec for one connection.
	New() Codec
}

// Error kinds carried by [FrameError].
const (
	// KindTooLongFrame means a frame, or a part of it, exceeds a limit; the
	// message names the size and the limit: "70000 > max_length 65536".
	KindTooLongFrame = "too_long_frame"
	// KindCorruptedFrame means the bytes cannot be a valid frame (a negative
	// length, a frame shorter than its header, a RESP protocol error).
	KindCorruptedFrame = "corrupted_frame"
	// KindInvalidMessage means Encode was given a message the codec cannot
	// frame (a fixed codec given a message of the wrong size).
	KindInvalidMessage = "invalid_message"
)

// FrameError is the error every Decode and Encode failure returns.
// Error() is Kind + ": " + Msg, e.g. "too_long_frame: 70000 > max_length 65536".
type FrameError struct {
	Kind string // KindTooLongFrame, KindCorruptedFrame or KindInvalidMessage
	Msg  string
}

// Error returns Kind + ": " + Msg.
func (e *FrameError) Error() string { return e.Kind + ": " + e.Msg }

// IsTooLong reports whether err is a *FrameError of kind too_long_frame.
func IsTooLong(err error) bool { return isKind(err, KindTooLongFrame) }

// IsCorrupted reports whether err is a *FrameError of kind corrupted_frame.
func IsCorrupted(err error) bool { return isKind(err, KindCorruptedFrame) }

func isKind(err error, kind string) bool {
	var fe *FrameError
	return errors.As(err, &fe) && fe.Kind == kind
}

// tooLong returns "too_long_frame: <size> > <limit> <max>".
func tooLong(size int64, limit string, max int64) *FrameError {
	return &FrameError{Kind: KindTooLongFrame, Msg: fmt.Sprintf("%d > %s %d", size, limit, max)}
}

func corrupted(format string, args ...any) *FrameError {
	return &FrameError{Kind: KindCorruptedFrame, Msg: fmt.Sprintf(format, args...)}
}

// Default limits, as in Netty's and Redis's documentation.
const (
	DefaultMaxLength         = 64 << 10  // line and delimiter codecs: 65536
	DefaultMaxFrameLength    = 1 << 20   // length_field: 1 MiB
	DefaultMaxBulkLength     = 512 << 20 // resp: Redis's proto-max-bulk-len
	DefaultMaxMultibulkCount = 1 << 20   // resp: elements in one array
	DefaultMaxInlineLength   = 64 << 10  // resp: inline commands and header lines
	DefaultMaxDepth          = 64        // resp: nesting of arrays
)

// ParseByteOrder maps a Lua byte_order name to a binary.ByteOrder: "big" (also
// "" and "big_endian"), "little" ("little_endian") or "native".
func ParseByteOrder(s string) (binary.ByteOrder, error) {
	switch strings.ToLower(s) {
	case "", "big", "big_endian":
		return binary.BigEndian, nil
	case "little", "little_endian":
		return binary.LittleEndian, nil
	case "native":
		return binary.NativeEndian, nil
	}
	return nil, fmt.Errorf("codecs: byte_order must be \"big\" or \"little\", got %q", s)
}

// isLittle reports whether o (nil meaning big endian) stores the low byte first.
func isLittle(o binary.ByteOrder) bool {
	return o != nil && o.Uint16([]byte{1, 0}) == 1
}

// validFieldLength reports whether n is a length field size Netty accepts.
func validFieldLength(n int) bool {
	return n == 1 || n == 2 || n == 3 || n == 4 || n == 8
}

// readUint reads an n-byte unsigned integer (n in 1..8) from b.
func readUint(b []byte, n int, little bool) uint64 {
	var v uint64
	if little {
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	for i := 0; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// appendUint appends v as an n-byte unsigned integer (n in 1..8).
func appendUint(dst []byte, v uint64, n int, little bool) []byte {
	if little {
		for i := 0; i < n; i++ {
			dst = append(dst, byte(v>>(8*i)))
		}
		return dst
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// maxFieldValue returns the largest value an n-byte unsigned field holds, as
// an int64 (an 8-byte field is read as signed, like Netty's getLong).
func maxFieldValue(n int) int64 {
	if n >= 8 {
		return 1<<63 - 1
	}
	return 1<<(8*n) - 1
}
