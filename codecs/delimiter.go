package codecs

import (
	"bytes"
	"errors"
)

// DelimiterOptions configures [Delimiter]. The zero value is Netty's
// DelimiterBasedFrameDecoder default with a 64 KiB limit: strip the delimiter,
// fail fast.
type DelimiterOptions struct {
	// MaxLength is the longest frame accepted, delimiter excluded; 0 (or less)
	// means 65536. Lua: max_length.
	MaxLength int
	// KeepDelimiter keeps the delimiter at the end of each frame.
	// Lua: strip_delimiter (default true) is its negation.
	KeepDelimiter bool
	// NoFailFast reports a too long frame only once its delimiter has arrived.
	// Lua: fail_fast (default true) is its negation.
	NoFailFast bool
}

// Delimiter returns the delimiter codec: frames end with any of delims, like
// Netty's DelimiterBasedFrameDecoder. When several delimiters occur, the one
// giving the shortest frame wins. Encode appends msg and the first delimiter.
//
// As in Netty, the set {"\n", "\r\n"} (in either order) is the line codec.
// Limits behave as in [Line]: "too_long_frame: <length> > max_length <max>".
// Delimiter panics if delims is empty or holds an empty delimiter; use
// [NewDelimiter] to validate input from a user.
func Delimiter(delims [][]byte, o DelimiterOptions) Spec {
	s, err := NewDelimiter(delims, o)
	if err != nil {
		panic(err)
	}
	return s
}

// NewDelimiter is [Delimiter] returning an error instead of panicking.
func NewDelimiter(delims [][]byte, o DelimiterOptions) (Spec, error) {
	if len(delims) == 0 {
		return nil, errors.New("codecs: delimiter: at least one delimiter is needed")
	}
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxLength
	}
	own := make([][]byte, len(delims))
	maxDelim := 0
	for i, d := range delims {
		if len(d) == 0 {
			return nil, errors.New("codecs: delimiter: empty delimiter")
		}
		own[i] = bytes.Clone(d)
		maxDelim = max(maxDelim, len(d))
	}
	if isLineBased(own) {
		return lineSpec{name: "delimiter", o: LineOptions(o), sep: string(own[0])}, nil
	}
	return &delimiterSpec{delims: own, maxDelim: maxDelim, o: o}, nil
}

func isLineBased(d [][]byte) bool {
	if len(d) != 2 {
		return false
	}
	a, b := string(d[0]), string(d[1])
	return (a == "\n" && b == "\r\n") || (a == "\r\n" && b == "\n")
}

type delimiterSpec struct {
	delims   [][]byte
	maxDelim int
	o        DelimiterOptions
}

func (s *delimiterSpec) Name() string { return "delimiter" }

func (s *delimiterSpec) New() Codec {
	return &delimiterCodec{spec: s, max: int64(s.o.MaxLength), strip: !s.o.KeepDelimiter, failFast: !s.o.NoFailFast}
}

type delimiterCodec struct {
	spec       *delimiterSpec
	max        int64
	strip      bool
	failFast   bool
	offset     int // no delimiter starts before this offset of in
	discarding bool
	discarded  int64
}

// Decode returns the next frame. It is Netty's DelimiterBasedFrameDecoder, made
// independent of how the stream is split: bytes that may begin a delimiter are
// neither counted nor discarded until the following bytes are known, and a
// delimiter found is only used once no earlier, longer delimiter can still
// complete.
func (c *delimiterCodec) Decode(in []byte) ([]byte, int, error) {
	if c.offset > len(in) {
		c.offset = 0
	}
	best, bestLen := -1, 0
	for _, d := range c.spec.delims {
		i := bytes.Index(in[c.offset:], d)
		if i >= 0 && (best < 0 || c.offset+i < best) {
			best, bestLen = c.offset+i, len(d)
		}
	}
	if best < 0 || c.pendingEarlier(in, best) {
		// No usable delimiter yet. The frame is at least as long as the
		// bytes before the earliest place a delimiter may still start.
		if best < 0 {
			c.offset = max(0, len(in)-(c.spec.maxDelim-1))
		}
		length := len(in) - c.partialTail(in)
		if c.discarding {
			return c.skip(length, nil)
		}
		if int64(length) <= c.max {
			return nil, 0, nil
		}
		c.discarding, c.discarded = true, 0
		if c.failFast {
			return c.skip(length, tooLong(int64(length), "max_length", c.max))
		}
		return c.skip(length, nil)
	}
	n := best + bestLen
	c.offset = 0
	if c.discarding {
		total := c.discarded + int64(best)
		c.discarding, c.discarded = false, 0
		if !c.failFast {
			return nil, n, tooLong(total, "max_length", c.max)
		}
		return nil, n, nil
	}
	if int64(best) > c.max {
		return nil, n, tooLong(int64(best), "max_length", c.max)
	}
	if c.strip {
		return in[:best:best], n, nil
	}
	return in[:n:n], n, nil
}

// skip drops n bytes in discard mode.
func (c *delimiterCodec) skip(n int, err error) ([]byte, int, error) {
	c.discarded += int64(n)
	c.offset = max(0, c.offset-n)
	return nil, n, err
}

// partialTail returns the length of the longest suffix of in that is a proper
// prefix of a delimiter: bytes that may yet become a delimiter.
func (c *delimiterCodec) partialTail(in []byte) int {
	longest := 0
	for _, d := range c.spec.delims {
		for l := min(len(d)-1, len(in)); l > longest; l-- {
			if bytes.HasPrefix(d, in[len(in)-l:]) {
				longest = l
				break
			}
		}
	}
	return longest
}

// pendingEarlier reports whether some delimiter starting before best runs past
// the end of in while matching so far: it would give a shorter frame.
func (c *delimiterCodec) pendingEarlier(in []byte, best int) bool {
	for _, d := range c.spec.delims {
		for q := max(0, len(in)-len(d)+1); q < best; q++ {
			if bytes.HasPrefix(d, in[q:]) {
				return true
			}
		}
	}
	return false
}

// Encode appends msg and the first delimiter.
func (c *delimiterCodec) Encode(dst, msg []byte) ([]byte, error) {
	dst = append(dst, msg...)
	return append(dst, c.spec.delims[0]...), nil
}
