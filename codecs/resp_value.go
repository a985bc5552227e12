package codecs

import (
	"bytes"
	"strconv"
)

// RESPValue is one RESP2 value, as [ParseRESP] returns it and [AppendRESP]
// writes it. The zero value (Type 0) is nil and is written as a null bulk
// string.
type RESPValue struct {
	// Type is '+' simple string, '-' error, ':' integer, '$' bulk string,
	// '*' array, or 0 for nil.
	Type byte
	// Str holds a simple string, an error or a bulk string. Values from
	// ParseRESP alias the parsed frame.
	Str []byte
	// Int holds an integer.
	Int int64
	// Array holds an array's elements.
	Array []RESPValue
	// Null marks a null bulk string ("$-1") or a null array ("*-1").
	Null bool
}

// RESPSimple returns a simple string value ("+OK").
func RESPSimple(s string) RESPValue { return RESPValue{Type: '+', Str: []byte(s)} }

// RESPError returns an error value ("-ERR unknown command").
func RESPError(s string) RESPValue { return RESPValue{Type: '-', Str: []byte(s)} }

// RESPInteger returns an integer value.
func RESPInteger(n int64) RESPValue { return RESPValue{Type: ':', Int: n} }

// RESPBulk returns a bulk string value; b is not copied.
func RESPBulk(b []byte) RESPValue { return RESPValue{Type: '$', Str: b} }

// RESPNull returns the null bulk string ("$-1").
func RESPNull() RESPValue { return RESPValue{Type: '$', Null: true} }

// RESPArray returns an array value of vs.
func RESPArray(vs ...RESPValue) RESPValue {
	if vs == nil {
		vs = []RESPValue{}
	}
	return RESPValue{Type: '*', Array: vs}
}

// IsNil reports whether v is nil, a null bulk string or a null array.
func (v RESPValue) IsNil() bool { return v.Type == 0 || v.Null }

// ParseRESP parses one whole frame returned by the [RESP] codec's Decode: a
// RESP2 value, or an inline command, which becomes an array of bulk strings
// split like Redis does (spaces separate arguments; "double" and 'single'
// quotes group them, with \n \r \t \b \a \\ \" and \xHH escapes in double
// quotes). A frame starting with '+', '-', ':', '$' or '*' is parsed as that
// type. Strings in the result alias frame, except inline arguments.
// Errors are *FrameError values of kind corrupted_frame, in Redis's wording.
func ParseRESP(frame []byte) (RESPValue, error) {
	if len(frame) == 0 {
		return RESPValue{}, respErr(KindCorruptedFrame, "empty frame")
	}
	if !isRESPType(frame[0]) {
		return parseInline(frame)
	}
	v, rest, err := parseValue(frame, 0)
	if err != nil {
		return RESPValue{}, err
	}
	if len(rest) != 0 {
		return RESPValue{}, respErr(KindCorruptedFrame, "%d unexpected bytes after the value", len(rest))
	}
	return v, nil
}

// ParseRESPCommand parses a frame from a [RESP] codec with CommandsOnly set:
// an array (of bulk strings) if it starts with '*', otherwise an inline
// command, whatever its first byte.
func ParseRESPCommand(frame []byte) (RESPValue, error) {
	if len(frame) > 0 && frame[0] != '*' {
		return parseInline(frame)
	}
	return ParseRESP(frame)
}

// RESPCommandArgs appends the arguments of a command frame to dst and
// returns it: the bulk strings of an array (aliasing frame), or the words
// of an inline command (as [ParseRESPCommand] splits them). It is
// [ParseRESPCommand] for a server's hot path: no [RESPValue]s are built,
// and with a reused dst nothing is allocated for an array. An array whose
// elements are not all bulk strings is a corrupted_frame error, as it is for
// a [RESP] decoder with CommandsOnly.
func RESPCommandArgs(dst [][]byte, frame []byte) ([][]byte, error) {
	if len(frame) == 0 {
		return dst, respErr(KindCorruptedFrame, "empty frame")
	}
	if frame[0] != '*' {
		return appendInlineArgs(dst, frame)
	}
	n, rest, err := respHeader(frame[1:])
	if err != nil || n < -1 || n > int64(len(rest)) {
		return dst, respErr(KindCorruptedFrame, "invalid multibulk length")
	}
	for k := int64(0); k < n; k++ {
		if len(rest) == 0 || rest[0] != '$' {
			if len(rest) == 0 {
				return dst, respErr(KindCorruptedFrame, "expected a CRLF-terminated line")
			}
			return dst, respErr(KindCorruptedFrame, "expected '$', got '%c'", rest[0])
		}
		var size int64
		size, rest, err = respHeader(rest[1:])
		if err != nil || size < 0 || size > int64(len(rest)) {
			return dst, respErr(KindCorruptedFrame, "invalid bulk length")
		}
		if int64(len(rest)) < size+2 || rest[size] != '\r' || rest[size+1] != '\n' {
			return dst, respErr(KindCorruptedFrame, "expected CRLF after bulk string of %d bytes", size)
		}
		dst = append(dst, rest[:size:size])
		rest = rest[size+2:]
	}
	if len(rest) != 0 {
		return dst, respErr(KindCorruptedFrame, "%d unexpected bytes after the value", len(rest))
	}
	return dst, nil
}

// respHeader reads the decimal number of a RESP header line up to its CRLF
// and returns it and what follows the CRLF.
func respHeader(b []byte) (int64, []byte, error) {
	i := shortLineEnd(b)
	if i < 1 || i+1 >= len(b) || b[i+1] != '\n' {
		return 0, nil, errBadHeader
	}
	n, ok := parseInt(b[:i])
	if !ok {
		return 0, nil, errBadHeader
	}
	return n, b[i+2:], nil
}

// shortLineEnd is the index of the first '\r' in b, or -1. RESP header
// lines are a few digits long: a plain loop finds their end in a fraction
// of the time bytes.IndexByte takes to set up; a longer line (never a valid
// header: 20 digits are a number beyond int64) falls back to it.
func shortLineEnd(b []byte) int {
	for i := 0; i < len(b) && i < 24; i++ {
		if b[i] == '\r' {
			return i
		}
	}
	if len(b) <= 24 {
		return -1
	}
	if i := bytes.IndexByte(b[24:], '\r'); i >= 0 {
		return 24 + i
	}
	return -1
}

var errBadHeader = respErr(KindCorruptedFrame, "expected a CRLF-terminated number")

// maxParseDepth bounds the recursion of ParseRESP.
const maxParseDepth = 1000

func parseValue(b []byte, depth int) (RESPValue, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if len(b) == 0 || i < 1 {
		return RESPValue{}, nil, respErr(KindCorruptedFrame, "expected a CRLF-terminated line")
	}
	typ, line, rest := b[0], b[1:i], b[i+2:]
	switch typ {
	case '+', '-':
		return RESPValue{Type: typ, Str: line}, rest, nil
	case ':':
		n, ok := parseInt(line)
		if !ok {
			return RESPValue{}, nil, respErr(KindCorruptedFrame, "invalid integer")
		}
		return RESPValue{Type: ':', Int: n}, rest, nil
	case '$':
		n, ok := parseInt(line)
		if !ok || n < -1 || n > int64(len(rest)) {
			return RESPValue{}, nil, respErr(KindCorruptedFrame, "invalid bulk length")
		}
		if n == -1 {
			return RESPValue{Type: '$', Null: true}, rest, nil
		}
		if int64(len(rest)) < n+2 || rest[n] != '\r' || rest[n+1] != '\n' {
			return RESPValue{}, nil, respErr(KindCorruptedFrame, "expected CRLF after bulk string of %d bytes", n)
		}
		return RESPValue{Type: '$', Str: rest[:n:n]}, rest[n+2:], nil
	case '*':
		n, ok := parseInt(line)
		if !ok || n < -1 || n > int64(len(rest)) {
			return RESPValue{}, nil, respErr(KindCorruptedFrame, "invalid multibulk length")
		}
		if n == -1 {
			return RESPValue{Type: '*', Null: true}, rest, nil
		}
		if depth >= maxParseDepth {
			return RESPValue{}, nil, respErr(KindCorruptedFrame, "nesting depth %d > max_depth %d", depth+1, maxParseDepth)
		}
		// Every element takes at least 3 bytes: never allocate more than the
		// frame can hold.
		arr := make([]RESPValue, 0, min(n, int64(len(rest)/3)))
		for k := int64(0); k < n; k++ {
			var v RESPValue
			var err error
			v, rest, err = parseValue(rest, depth+1)
			if err != nil {
				return RESPValue{}, nil, err
			}
			arr = append(arr, v)
		}
		return RESPValue{Type: '*', Array: arr}, rest, nil
	}
	return RESPValue{}, nil, respErr(KindCorruptedFrame, "invalid type byte '%c'", typ)
}

// AppendRESP appends v in RESP2 to dst. CR and LF inside a simple string or an
// error are written as spaces, so the result is always one well-formed value.
func AppendRESP(dst []byte, v RESPValue) []byte {
	switch v.Type {
	case '+', '-':
		return AppendRESPLine(dst, v.Type, v.Str)
	case ':':
		return AppendRESPInteger(dst, v.Int)
	case '$':
		if v.Null {
			return AppendRESPNull(dst)
		}
		return AppendRESPBulk(dst, v.Str)
	case '*':
		if v.Null {
			return append(dst, "*-1\r\n"...)
		}
		dst = AppendRESPArrayHeader(dst, len(v.Array))
		for _, e := range v.Array {
			dst = AppendRESP(dst, e)
		}
		return dst
	}
	return AppendRESPNull(dst)
}

// AppendRESPLine appends a simple string (typ '+') or an error (typ '-'),
// with CR and LF written as spaces.
func AppendRESPLine[S ~string | ~[]byte](dst []byte, typ byte, s S) []byte {
	dst = append(dst, typ)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, '\r', '\n')
}

// AppendRESPBulk appends s as a bulk string.
func AppendRESPBulk[S ~string | ~[]byte](dst []byte, s S) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(s)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendRESPInteger appends n as an integer reply.
func AppendRESPInteger(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendRESPNull appends the null bulk string.
func AppendRESPNull(dst []byte) []byte { return append(dst, "$-1\r\n"...) }

// AppendRESPArrayHeader appends the header of an array of n values; the
// caller appends the n values.
func AppendRESPArrayHeader(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// parseInline splits an inline command line into an array of bulk strings.
func parseInline(frame []byte) (RESPValue, error) {
	words, err := appendInlineArgs(nil, frame)
	if err != nil {
		return RESPValue{}, err
	}
	args := make([]RESPValue, len(words))
	for i, w := range words {
		args[i] = RESPValue{Type: '$', Str: w}
	}
	return RESPValue{Type: '*', Array: args}, nil
}

// appendInlineArgs appends the arguments of an inline command line to dst,
// split as Redis's sdssplitargs does. An argument without quotes aliases
// frame; a quoted one is built (its escapes undone).
func appendInlineArgs(dst [][]byte, frame []byte) ([][]byte, error) {
	line := bytes.TrimRight(frame, "\r\n")
	n, p := len(dst), 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return dst, nil
		}
		arg, next, ok := splitArg(line, p)
		if !ok {
			return dst[:n], respErr(KindCorruptedFrame, "unbalanced quotes in request")
		}
		dst = append(dst, arg)
		p = next
	}
}

// balancedQuotes reports whether an inline command line splits into
// arguments; it allocates nothing.
func balancedQuotes(line []byte) bool {
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return true
		}
		var ok bool
		if _, p, ok = scanArg(line, p, false); !ok {
			return false
		}
	}
}

// splitArg reads one argument starting at line[p], like Redis's sdssplitargs.
func splitArg(line []byte, p int) (arg []byte, next int, ok bool) {
	q := p // the common case first: a plain word is a slice of line
	for q < len(line) && !isSpace(line[q]) && line[q] != '"' && line[q] != '\'' {
		q++
	}
	if q == len(line) || isSpace(line[q]) {
		return line[p:q:q], q, true
	}
	return scanArg(line, p, true)
}

// scanArg is splitArg; with build false it only finds where the argument ends.
func scanArg(line []byte, p int, build bool) (arg []byte, next int, ok bool) {
	if build {
		arg = []byte{}
	}
	inDouble, inSingle := false, false
	for ; p < len(line); p++ {
		c := line[p]
		switch {
		case inDouble:
			switch {
			case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
				v, _ := strconv.ParseUint(string(line[p+2:p+4]), 16, 8)
				arg = appendIf(build, arg, byte(v))
				p += 3
			case c == '\\' && p+1 < len(line):
				p++
				arg = appendIf(build, arg, unescape(line[p]))
			case c == '"':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return nil, 0, false // the closing quote must end the argument
				}
				return arg, p + 1, true
			default:
				arg = appendIf(build, arg, c)
			}
		case inSingle:
			switch {
			case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
				p++
				arg = appendIf(build, arg, '\'')
			case c == '\'':
				if p+1 < len(line) && !isSpace(line[p+1]) {
					return nil, 0, false
				}
				return arg, p + 1, true
			default:
				arg = appendIf(build, arg, c)
			}
		case isSpace(c):
			return arg, p, true
		case c == '"':
			inDouble = true
		case c == '\'':
			inSingle = true
		default:
			arg = appendIf(build, arg, c)
		}
	}
	if inDouble || inSingle {
		return nil, 0, false
	}
	return arg, p, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}

func appendIf(build bool, arg []byte, c byte) []byte {
	if build {
		return append(arg, c)
	}
	return arg
}
