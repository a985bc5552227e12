package codecs

import "bytes"

// LineOptions configures [Line]. The zero value is Netty's LineBasedFrameDecoder
// default with a 64 KiB limit: strip the delimiter, fail fast.
type LineOptions struct {
	// MaxLength is the longest line accepted, delimiter excluded; 0 (or less)
	// means 65536. Lua: max_length.
	MaxLength int
	// KeepDelimiter keeps "\n" or "\r\n" at the end of each frame.
	// Lua: strip_delimiter (default true) is its negation.
	KeepDelimiter bool
	// NoFailFast reports a too long line only once its delimiter has arrived
	// (the bytes in between are discarded); by default the error comes as soon
	// as more than MaxLength bytes are buffered without a delimiter.
	// Lua: fail_fast (default true) is its negation.
	NoFailFast bool
}

// Line returns the line codec: frames end with "\n" or "\r\n", like Netty's
// LineBasedFrameDecoder. Encode appends msg and "\n".
//
// A line longer than MaxLength is a "too_long_frame: <length> > max_length
// <max>" error. With fail-fast (the default) the error comes as soon as more
// than MaxLength bytes are buffered without a delimiter, and <length> is the
// number of bytes of that line seen so far; without fail-fast the line is
// discarded up to its delimiter and <length> is its full length. Either way
// the decoder then stays in discard mode up to the next delimiter, so at most
// MaxLength+1 bytes are ever buffered.
func Line(o LineOptions) Spec {
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxLength
	}
	return lineSpec{name: "line", o: o, sep: "\n"}
}

type lineSpec struct {
	name string
	o    LineOptions
	sep  string // appended by Encode
}

func (s lineSpec) Name() string { return s.name }

func (s lineSpec) New() Codec {
	return &lineCodec{max: int64(s.o.MaxLength), strip: !s.o.KeepDelimiter, failFast: !s.o.NoFailFast, sep: s.sep}
}

type lineCodec struct {
	max        int64
	strip      bool
	failFast   bool
	sep        string
	offset     int   // bytes at the start of in already searched for '\n'
	discarding bool  // dropping a too long line up to its delimiter
	discarded  int64 // bytes of that line dropped so far
	scanned    int   // bytes searched in total (tests check the O(n) scan)
}

// Decode returns the next line. It is Netty's LineBasedFrameDecoder, made
// independent of how the stream is split: a trailing '\r' is never counted in a
// line's length nor discarded before the byte after it is known.
func (c *lineCodec) Decode(in []byte) ([]byte, int, error) {
	if c.offset > len(in) {
		c.offset = 0
	}
	i := bytes.IndexByte(in[c.offset:], '\n')
	c.scanned += searched(len(in)-c.offset, i)
	if i < 0 {
		c.offset = len(in)
		keep := 0
		if len(in) > 0 && in[len(in)-1] == '\r' {
			keep = 1 // may be the start of "\r\n"
		}
		length := len(in) - keep
		if c.discarding {
			c.discarded += int64(length)
			c.offset = keep
			return nil, length, nil
		}
		if int64(length) <= c.max {
			return nil, 0, nil
		}
		c.discarding, c.discarded, c.offset = true, int64(length), keep
		if c.failFast {
			return nil, length, tooLong(int64(length), "max_length", c.max)
		}
		return nil, length, nil
	}
	eol := c.offset + i
	c.offset = 0
	n := eol + 1
	length := eol
	if eol > 0 && in[eol-1] == '\r' {
		length--
	}
	if c.discarding {
		total := c.discarded + int64(length)
		c.discarding, c.discarded = false, 0
		if !c.failFast {
			return nil, n, tooLong(total, "max_length", c.max)
		}
		return nil, n, nil
	}
	if int64(length) > c.max {
		return nil, n, tooLong(int64(length), "max_length", c.max)
	}
	if c.strip {
		return in[:length:length], n, nil
	}
	return in[:n:n], n, nil
}

// Encode appends msg and "\n" (for a line-based delimiter codec, its first
// delimiter). It does not check msg for newlines.
func (c *lineCodec) Encode(dst, msg []byte) ([]byte, error) {
	dst = append(dst, msg...)
	return append(dst, c.sep...), nil
}

// searched returns how many bytes a search of n bytes that found its target at
// index i (-1: not found) looked at.
func searched(n, i int) int {
	if i < 0 {
		return n
	}
	return i + 1
}
