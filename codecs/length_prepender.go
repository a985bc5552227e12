package codecs

import (
	"encoding/binary"
	"fmt"
	"math"
)

// LengthPrependerOptions configures [LengthPrepender] with the parameters of
// Netty's LengthFieldPrepender.
type LengthPrependerOptions struct {
	// LengthFieldLength is the size of the prepended field: 1, 2, 3, 4 or 8;
	// 0 means 4. Lua: length_field_length.
	LengthFieldLength int
	// LengthAdjustment is added to the message length before it is written (0).
	// Lua: length_adjustment.
	LengthAdjustment int
	// LengthIncludesLengthFieldLength adds the field's own size to the value.
	// Lua: length_includes_length_field_length.
	LengthIncludesLengthFieldLength bool
	// ByteOrder of the field; nil means big endian. Lua: byte_order.
	ByteOrder binary.ByteOrder
	// MaxFrameLength bounds the frames the matching decoder accepts; 0 means
	// 1 MiB. Lua: max_frame_length. (netplay addition: Netty's prepender only
	// encodes.)
	MaxFrameLength int64
}

// LengthPrepender returns Netty's LengthFieldPrepender: Encode writes the
// length of msg (plus LengthAdjustment, plus the field's size if
// LengthIncludesLengthFieldLength) in a field before msg. Decode is the
// matching length-field decoder (field at offset 0, stripped), so a conn using
// this codec on both sides gets back the messages it sent.
//
// Encode errors: "too_long_frame: <value> > <max> (largest value of
// length_field_length <n>)" when the field cannot hold the length, and
// "invalid_message: adjusted frame length (<n>) is less than zero".
func LengthPrepender(o LengthPrependerOptions) (Spec, error) {
	if o.LengthFieldLength == 0 {
		o.LengthFieldLength = 4
	}
	if !validFieldLength(o.LengthFieldLength) {
		return nil, fmt.Errorf("codecs: length_prepender: length_field_length must be 1, 2, 3, 4 or 8, got %d", o.LengthFieldLength)
	}
	if o.LengthAdjustment < math.MinInt32 || o.LengthAdjustment > math.MaxInt32 {
		return nil, fmt.Errorf("codecs: length_prepender: length_adjustment out of range: %d", o.LengthAdjustment)
	}
	adj := -o.LengthAdjustment
	if o.LengthIncludesLengthFieldLength {
		adj -= o.LengthFieldLength
	}
	dec, err := LengthField(LengthFieldOptions{
		LengthFieldLength:   o.LengthFieldLength,
		LengthAdjustment:    adj,
		InitialBytesToStrip: o.LengthFieldLength,
		ByteOrder:           o.ByteOrder,
		MaxFrameLength:      o.MaxFrameLength,
	})
	if err != nil {
		return nil, fmt.Errorf("codecs: length_prepender: %w", err)
	}
	return &prependerSpec{o: o, dec: dec.(*lengthFieldSpec), little: isLittle(o.ByteOrder)}, nil
}

type prependerSpec struct {
	o      LengthPrependerOptions
	dec    *lengthFieldSpec
	little bool
}

func (s *prependerSpec) Name() string { return "length_prepender" }
func (s *prependerSpec) New() Codec {
	return &prependerCodec{lengthFieldCodec: lengthFieldCodec{spec: s.dec}, spec: s}
}

type prependerCodec struct {
	lengthFieldCodec // Decode
	spec             *prependerSpec
}

// Encode appends the length field, then msg.
func (c *prependerCodec) Encode(dst, msg []byte) ([]byte, error) {
	o := c.spec.o
	v := int64(len(msg)) + int64(o.LengthAdjustment)
	if o.LengthIncludesLengthFieldLength {
		v += int64(o.LengthFieldLength)
	}
	if err := checkFieldValue(v, o.LengthFieldLength); err != nil {
		return dst, err
	}
	dst = appendUint(dst, uint64(v), o.LengthFieldLength, c.spec.little)
	return append(dst, msg...), nil
}
