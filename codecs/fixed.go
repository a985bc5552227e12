package codecs

import "fmt"

// Fixed returns the fixed-length codec: every frame is exactly n bytes, like
// Netty's FixedLengthFrameDecoder. Encode accepts only messages of n bytes.
// Fixed panics if n < 1; use [NewFixed] to validate input from a user.
func Fixed(n int) Spec {
	s, err := NewFixed(n)
	if err != nil {
		panic(err)
	}
	return s
}

// NewFixed is [Fixed] returning an error instead of panicking when n < 1.
func NewFixed(n int) (Spec, error) {
	if n < 1 {
		return nil, fmt.Errorf("codecs: fixed: frame_length must be at least 1, got %d", n)
	}
	return fixedSpec{n: n}, nil
}

type fixedSpec struct{ n int }

func (fixedSpec) Name() string { return "fixed" }
func (s fixedSpec) New() Codec { return fixedCodec(s) }

type fixedCodec struct{ n int }

// Decode returns the next n bytes once they are buffered.
func (c fixedCodec) Decode(in []byte) ([]byte, int, error) {
	if len(in) < c.n {
		return nil, 0, nil
	}
	return in[:c.n:c.n], c.n, nil
}

// Encode appends msg, which must be exactly n bytes long; otherwise it returns
// "invalid_message: message of <len> bytes, frame_length is <n>".
func (c fixedCodec) Encode(dst, msg []byte) ([]byte, error) {
	if len(msg) != c.n {
		return dst, &FrameError{Kind: KindInvalidMessage,
			Msg: fmt.Sprintf("message of %d bytes, frame_length is %d", len(msg), c.n)}
	}
	return append(dst, msg...), nil
}
