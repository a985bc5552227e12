package codecs

import (
	"bytes"
	"fmt"
	"strconv"
)

// RESPOptions configures [RESP]. The zero value gives Redis's own limits.
type RESPOptions struct {
	// MaxBulkLength is the longest bulk string; 0 means 512 MiB, Redis's
	// proto-max-bulk-len. Lua: max_bulk_length.
	MaxBulkLength int64
	// MaxMultibulkLength is the most elements in one array; 0 means 1048576.
	// Lua: max_multibulk_length.
	MaxMultibulkLength int64
	// MaxInlineLength is the longest inline command or header line; 0 means
	// 64 KiB. Lua: max_inline_length.
	MaxInlineLength int
	// MaxDepth is the deepest nesting of arrays; 0 means 64, and it is capped
	// at 1000 (the deepest [ParseRESP] accepts). Lua: max_depth.
	MaxDepth int
	// CommandsOnly decodes only what a Redis server accepts: an array of bulk
	// strings, or else an inline command. By default every RESP2 type is
	// decoded (what a client receives), and a line starting with another byte
	// is an inline command. Lua: commands_only.
	CommandsOnly bool
}

// RESP returns the RESP2 codec. A frame is the raw bytes of one complete value
// (simple string, error, integer, bulk string, array, nested arrays) or of one
// inline command line; [ParseRESP] (or, with CommandsOnly, [ParseRESPCommand])
// turns it into a [RESPValue]. Empty commands
// ("*0\r\n", "*-1\r\n" with CommandsOnly, an empty inline line) are skipped as
// Redis does. Encode appends msg unchanged: msg must already be RESP, as
// produced by [AppendRESP].
//
// The decoder is incremental: it remembers how far it parsed, so a large bulk
// string arriving in pieces is not re-parsed from the start. Errors use Redis's
// wording, e.g. "corrupted_frame: Protocol error: invalid multibulk length",
// "too_long_frame: Protocol error: invalid bulk length: 600000000 >
// max_bulk_length 536870912", "too_long_frame: Protocol error: too big inline
// request (max_inline_length 65536)".
func RESP(o RESPOptions) Spec {
	if o.MaxBulkLength <= 0 {
		o.MaxBulkLength = DefaultMaxBulkLength
	}
	if o.MaxMultibulkLength <= 0 {
		o.MaxMultibulkLength = DefaultMaxMultibulkCount
	}
	if o.MaxInlineLength <= 0 {
		o.MaxInlineLength = DefaultMaxInlineLength
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	o.MaxDepth = min(o.MaxDepth, maxParseDepth)
	return respSpec{o: o}
}

type respSpec struct{ o RESPOptions }

func (respSpec) Name() string { return "resp" }
func (s respSpec) New() Codec { return &respCodec{o: s.o, bulk: -1} }

type respCodec struct {
	o       RESPOptions
	started bool
	inline  bool
	pos     int   // bytes of the current frame parsed so far
	scan    int   // no '\n' in in[pos:scan]
	bulk    int64 // length of the bulk string whose header ends at pos; -1 if none
	stack   []int64
	scanned int // bytes searched in total (tests check the O(n) scan)
}

func (c *respCodec) reset() {
	c.started, c.inline, c.pos, c.scan, c.bulk = false, false, 0, 0, -1
	c.stack = c.stack[:0]
}

func respErr(kind, format string, args ...any) *FrameError {
	return &FrameError{Kind: kind, Msg: "Protocol error: " + fmt.Sprintf(format, args...)}
}

func isRESPType(b byte) bool {
	return b == '+' || b == '-' || b == ':' || b == '$' || b == '*'
}

// Decode returns the next complete value or inline command.
func (c *respCodec) Decode(in []byte) ([]byte, int, error) {
	if c.pos > len(in) || c.scan > len(in) {
		c.reset() // the caller broke the contract; start over
	}
	if !c.started {
		if len(in) == 0 {
			return nil, 0, nil
		}
		c.started = true
		c.inline = in[0] != '*' && (c.o.CommandsOnly || !isRESPType(in[0]))
	}
	if c.inline {
		return c.decodeInline(in)
	}
	for {
		if c.bulk >= 0 {
			end := int64(c.pos) + c.bulk + 2
			if int64(len(in)) < end {
				return nil, 0, nil
			}
			if in[end-2] != '\r' || in[end-1] != '\n' {
				return c.fail(len(in), respErr(KindCorruptedFrame, "expected CRLF after bulk string of %d bytes", c.bulk))
			}
			c.pos, c.scan, c.bulk = int(end), int(end), -1
			if done, frame, n := c.complete(in); done {
				return frame, n, nil
			}
			continue
		}
		line, drop, ferr := c.line(in)
		if ferr != nil {
			return c.fail(drop, ferr)
		}
		if line == nil {
			return nil, 0, nil
		}
		typ := in[c.pos]
		hdr := c.pos + len(line) + 3 // type byte, line, CRLF
		if len(c.stack) > 0 && c.o.CommandsOnly && typ != '$' {
			return c.fail(hdr, respErr(KindCorruptedFrame, "expected '$', got '%c'", typ))
		}
		switch typ {
		case '+', '-':
		case ':':
			if _, ok := parseInt(line); !ok {
				return c.fail(hdr, respErr(KindCorruptedFrame, "invalid integer"))
			}
		case '$':
			n, ok := parseInt(line)
			if !ok || n < -1 || (n == -1 && c.o.CommandsOnly) { // a command's arguments are never null, as in Redis
				return c.fail(hdr, respErr(KindCorruptedFrame, "invalid bulk length"))
			}
			if n > c.o.MaxBulkLength {
				return c.fail(hdr, respErr(KindTooLongFrame, "invalid bulk length: %d > max_bulk_length %d", n, c.o.MaxBulkLength))
			}
			c.pos, c.scan = hdr, hdr
			if n >= 0 {
				c.bulk = n
				continue
			}
		case '*':
			n, ok := parseInt(line)
			if !ok || n < -1 {
				return c.fail(hdr, respErr(KindCorruptedFrame, "invalid multibulk length"))
			}
			if n > c.o.MaxMultibulkLength {
				return c.fail(hdr, respErr(KindTooLongFrame, "invalid multibulk length: %d > max_multibulk_length %d", n, c.o.MaxMultibulkLength))
			}
			if n > 0 {
				if len(c.stack) >= c.o.MaxDepth {
					return c.fail(hdr, respErr(KindTooLongFrame, "nesting depth %d > max_depth %d", len(c.stack)+1, c.o.MaxDepth))
				}
				c.stack = append(c.stack, n)
				c.pos, c.scan = hdr, hdr
				continue
			}
			if len(c.stack) == 0 && c.o.CommandsOnly { // empty command: skipped
				c.reset()
				return nil, hdr, nil
			}
		default:
			return c.fail(hdr, respErr(KindCorruptedFrame, "invalid type byte '%c'", typ))
		}
		c.pos, c.scan = hdr, hdr
		if done, frame, n := c.complete(in); done {
			return frame, n, nil
		}
	}
}

// line finds the CRLF-terminated header line starting at c.pos and returns it
// without its type byte. A nil line and nil error mean more bytes are needed;
// on error, drop is how many bytes to drop.
func (c *respCodec) line(in []byte) (line []byte, drop int, err *FrameError) {
	from := max(c.scan, c.pos)
	i := bytes.IndexByte(in[from:], '\n')
	c.scanned += searched(len(in)-from, i)
	if i < 0 {
		c.scan = len(in)
		if len(in)-c.pos > c.o.MaxInlineLength+2 {
			return nil, len(in), c.tooBigLine(in[c.pos])
		}
		return nil, 0, nil
	}
	nl := from + i
	if nl-c.pos > c.o.MaxInlineLength+2 {
		return nil, nl + 1, c.tooBigLine(in[c.pos])
	}
	if nl < c.pos+2 || in[nl-1] != '\r' {
		return nil, nl + 1, respErr(KindCorruptedFrame, "expected CRLF at the end of a '%c' line", in[c.pos])
	}
	return in[c.pos+1 : nl-1], 0, nil
}

func (c *respCodec) tooBigLine(typ byte) *FrameError {
	what := "line"
	switch typ {
	case '*':
		what = "mbulk count string"
	case '$':
		what = "bulk count string"
	}
	return respErr(KindTooLongFrame, "too big %s (max_inline_length %d)", what, c.o.MaxInlineLength)
}

// complete records that the element ending at c.pos is complete, closing the
// arrays it completes; done is true when the whole frame is complete.
func (c *respCodec) complete(in []byte) (done bool, frame []byte, n int) {
	for len(c.stack) > 0 {
		top := len(c.stack) - 1
		c.stack[top]--
		if c.stack[top] > 0 {
			return false, nil, 0
		}
		c.stack = c.stack[:top]
	}
	n = c.pos
	c.reset()
	return true, in[:n:n], n
}

func (c *respCodec) fail(n int, err *FrameError) ([]byte, int, error) {
	c.reset()
	return nil, n, err
}

// decodeInline returns an inline command: one line ending in "\n" or "\r\n".
func (c *respCodec) decodeInline(in []byte) ([]byte, int, error) {
	i := bytes.IndexByte(in[c.scan:], '\n')
	c.scanned += searched(len(in)-c.scan, i)
	if i < 0 {
		c.scan = len(in)
		if len(in) > c.o.MaxInlineLength {
			return c.fail(len(in), respErr(KindTooLongFrame, "too big inline request (max_inline_length %d)", c.o.MaxInlineLength))
		}
		return nil, 0, nil
	}
	nl := c.scan + i
	if nl > c.o.MaxInlineLength {
		return c.fail(nl+1, respErr(KindTooLongFrame, "too big inline request (max_inline_length %d)", c.o.MaxInlineLength))
	}
	c.reset()
	if len(bytes.TrimSpace(in[:nl])) == 0 { // empty query: skipped, as Redis does
		return nil, nl + 1, nil
	}
	if !balancedQuotes(in[:nl]) {
		return c.fail(nl+1, respErr(KindCorruptedFrame, "unbalanced quotes in request"))
	}
	return in[: nl+1 : nl+1], nl + 1, nil
}

// Encode appends msg unchanged; msg must be a complete RESP value.
func (c *respCodec) Encode(dst, msg []byte) ([]byte, error) { return append(dst, msg...), nil }

// parseInt is strconv.ParseInt(string(b), 10, 64) (an optional sign, then
// decimal digits, within int64) without its generality: RESP headers parse
// a number or two per argument.
func parseInt(b []byte) (int64, bool) {
	if len(b) > 19 { // past 19 digits only leading zeros or a sign keep it in range
		n, err := strconv.ParseInt(string(b), 10, 64)
		return n, err == nil
	}
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, b = b[0] == '-', b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64 // at most 19 digits: below 1e19, so no overflow here
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return int64(-n), true
	}
	if n > 1<<63-1 {
		return 0, false
	}
	return int64(n), true
}
