package codecs

import (
	"encoding/binary"
	"fmt"
	"math"
)

// LengthFieldOptions configures [LengthField] with the parameters of Netty's
// LengthFieldBasedFrameDecoder. Zero values are Netty's defaults except where
// stated.
//
//	 <- length_field_offset -><- length_field_length ->
//	+-------------------------+-------------------------+--------------------+
//	| header bytes before     |  length field: L        |  rest of the frame |
//	+-------------------------+-------------------------+--------------------+
//	 <------------- length_field_end_offset ----------->
//	frame length = L + length_adjustment + length_field_end_offset
//	frame passed on = the frame without its first initial_bytes_to_strip bytes
type LengthFieldOptions struct {
	// LengthFieldOffset is where the length field starts in the frame (0).
	// Lua: length_field_offset.
	LengthFieldOffset int
	// LengthFieldLength is the size of the length field: 1, 2, 3, 4 or 8;
	// 0 means 4. An 8-byte field is signed, as in Netty. Lua: length_field_length.
	LengthFieldLength int
	// LengthAdjustment is added to the field's value to get the number of bytes
	// after the length field (0). Lua: length_adjustment.
	LengthAdjustment int
	// InitialBytesToStrip is how many bytes are cut from the front of each frame
	// (0 in Go; the Lua binding defaults it to length_field_offset +
	// length_field_length, the whole header). Lua: initial_bytes_to_strip.
	InitialBytesToStrip int
	// ByteOrder of the length field; nil means big endian. Lua: byte_order =
	// "big" | "little" (see [ParseByteOrder]).
	ByteOrder binary.ByteOrder
	// MaxFrameLength is the longest frame accepted, header included; 0 means
	// 1 MiB. Lua: max_frame_length.
	MaxFrameLength int64
	// NoFailFast reports a too long frame only once all of it has been
	// discarded; by default the error comes as soon as the length field is read.
	// Lua: fail_fast (default true) is its negation.
	NoFailFast bool
}

// LengthField returns the length-field codec, Netty's LengthFieldBasedFrameDecoder.
// It returns an error for options Netty rejects: a field length other than
// 1, 2, 3, 4 or 8, a negative offset or strip, an adjustment outside int32, or
// a MaxFrameLength smaller than the header.
//
// Decode errors:
//   - "too_long_frame: <frame length> > max_frame_length <max>"; the frame's
//     bytes are discarded as they arrive (Netty's discard mode), never buffered;
//   - "corrupted_frame: negative pre-adjustment length field: <value>";
//   - "corrupted_frame: adjusted frame length (<n>) is less than
//     length_field_end_offset: <end>" (a frame shorter than its header);
//   - "corrupted_frame: adjusted frame length (<n>) is less than
//     initial_bytes_to_strip: <strip>".
//
// Encode inserts the length field at LengthFieldOffset into msg (msg holds the
// header bytes before the field, if any, then the rest), with the value that
// makes Decode read the result as one frame; Decode(Encode(msg)) is msg when
// the field is at offset 0 and InitialBytesToStrip is LengthFieldLength.
// Encode errors: "too_long_frame: <frame length> > max_frame_length <max>",
// "too_long_frame: <value> > <max> (largest value of length_field_length <n>)",
// "invalid_message: …" for a message shorter than the offset or a negative value.
func LengthField(o LengthFieldOptions) (Spec, error) {
	if o.LengthFieldLength == 0 {
		o.LengthFieldLength = 4
	}
	if o.MaxFrameLength == 0 {
		o.MaxFrameLength = DefaultMaxFrameLength
	}
	if o.ByteOrder == nil {
		o.ByteOrder = binary.BigEndian
	}
	switch {
	case !validFieldLength(o.LengthFieldLength):
		return nil, fmt.Errorf("codecs: length_field: length_field_length must be 1, 2, 3, 4 or 8, got %d", o.LengthFieldLength)
	case o.LengthFieldOffset < 0:
		return nil, fmt.Errorf("codecs: length_field: length_field_offset must not be negative, got %d", o.LengthFieldOffset)
	case o.InitialBytesToStrip < 0:
		return nil, fmt.Errorf("codecs: length_field: initial_bytes_to_strip must not be negative, got %d", o.InitialBytesToStrip)
	case o.LengthAdjustment < math.MinInt32 || o.LengthAdjustment > math.MaxInt32:
		return nil, fmt.Errorf("codecs: length_field: length_adjustment out of range: %d", o.LengthAdjustment)
	case o.MaxFrameLength < 0:
		return nil, fmt.Errorf("codecs: length_field: max_frame_length must be positive, got %d", o.MaxFrameLength)
	case int64(o.LengthFieldOffset) > o.MaxFrameLength-int64(o.LengthFieldLength):
		return nil, fmt.Errorf("codecs: length_field: max_frame_length (%d) must be at least length_field_offset (%d) + length_field_length (%d)",
			o.MaxFrameLength, o.LengthFieldOffset, o.LengthFieldLength)
	}
	return &lengthFieldSpec{o: o, end: o.LengthFieldOffset + o.LengthFieldLength, little: isLittle(o.ByteOrder)}, nil
}

type lengthFieldSpec struct {
	o      LengthFieldOptions
	end    int // length_field_end_offset
	little bool
}

func (s *lengthFieldSpec) Name() string { return "length_field" }
func (s *lengthFieldSpec) New() Codec   { return &lengthFieldCodec{spec: s} }

type lengthFieldCodec struct {
	spec       *lengthFieldSpec
	discarding bool
	toDiscard  int64 // bytes of a too long frame still to drop
	tooLong    int64 // that frame's length
}

// Decode returns the next frame, minus InitialBytesToStrip bytes.
func (c *lengthFieldCodec) Decode(in []byte) ([]byte, int, error) {
	s := c.spec
	if c.discarding {
		return c.discard(in)
	}
	if len(in) < s.end {
		return nil, 0, nil
	}
	u := readUint(in[s.o.LengthFieldOffset:], s.o.LengthFieldLength, s.little)
	if u > math.MaxInt64 {
		return nil, s.end, corrupted("negative pre-adjustment length field: %d", int64(u))
	}
	// No overflow below: |adjustment| < 2^31 and end is small; a sum past
	// MaxInt64 saturates, which is too long anyway.
	frameLen := int64(u)
	extra := int64(s.o.LengthAdjustment) + int64(s.end)
	if extra > 0 && frameLen > math.MaxInt64-extra {
		frameLen = math.MaxInt64
	} else {
		frameLen += extra
	}
	if frameLen < int64(s.end) {
		return nil, s.end, corrupted("adjusted frame length (%d) is less than length_field_end_offset: %d", frameLen, s.end)
	}
	if frameLen > s.o.MaxFrameLength {
		err := tooLong(frameLen, "max_frame_length", s.o.MaxFrameLength)
		if frameLen <= int64(len(in)) { // the whole frame is here: drop it
			return nil, int(frameLen), err
		}
		c.discarding, c.toDiscard, c.tooLong = true, frameLen-int64(len(in)), frameLen
		if !s.o.NoFailFast {
			return nil, len(in), err
		}
		return nil, len(in), nil
	}
	n := int(frameLen)
	if len(in) < n {
		return nil, 0, nil
	}
	if s.o.InitialBytesToStrip > n {
		return nil, n, corrupted("adjusted frame length (%d) is less than initial_bytes_to_strip: %d", frameLen, s.o.InitialBytesToStrip)
	}
	return in[s.o.InitialBytesToStrip:n:n], n, nil
}

// discard drops bytes of a too long frame; without fail-fast it reports the
// error once the frame is gone.
func (c *lengthFieldCodec) discard(in []byte) ([]byte, int, error) {
	n := int64(len(in))
	if n == 0 {
		return nil, 0, nil
	}
	n = min(n, c.toDiscard)
	c.toDiscard -= n
	if c.toDiscard > 0 {
		return nil, int(n), nil
	}
	c.discarding = false
	if c.spec.o.NoFailFast {
		return nil, int(n), tooLong(c.tooLong, "max_frame_length", c.spec.o.MaxFrameLength)
	}
	return nil, int(n), nil
}

// Encode inserts the length field into msg at LengthFieldOffset.
func (c *lengthFieldCodec) Encode(dst, msg []byte) ([]byte, error) {
	s := c.spec
	off, fl := s.o.LengthFieldOffset, s.o.LengthFieldLength
	if len(msg) < off {
		return dst, &FrameError{Kind: KindInvalidMessage,
			Msg: fmt.Sprintf("message of %d bytes is shorter than length_field_offset %d", len(msg), off)}
	}
	total := int64(len(msg)) + int64(fl)
	if total > s.o.MaxFrameLength {
		return dst, tooLong(total, "max_frame_length", s.o.MaxFrameLength)
	}
	v := total - int64(s.o.LengthAdjustment) - int64(s.end)
	if err := checkFieldValue(v, fl); err != nil {
		return dst, err
	}
	dst = append(dst, msg[:off]...)
	dst = appendUint(dst, uint64(v), fl, s.little)
	return append(dst, msg[off:]...), nil
}

// checkFieldValue reports whether v fits an n-byte length field.
func checkFieldValue(v int64, n int) error {
	if v < 0 {
		return &FrameError{Kind: KindInvalidMessage, Msg: fmt.Sprintf("adjusted frame length (%d) is less than zero", v)}
	}
	if m := maxFieldValue(n); v > m {
		return &FrameError{Kind: KindTooLongFrame,
			Msg: fmt.Sprintf("%d > %d (largest value of length_field_length %d)", v, m, n)}
	}
	return nil
}
