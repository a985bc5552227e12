package http1

import (
	"fmt"
	"strconv"
)

// Pair is a field to send.
type Pair struct{ Name, Value string }

// Body framing for AppendResponseHead and AppendRequestHead, besides a
// Content-Length n >= 0.
const (
	// Chunked frames the body with chunked transfer coding: follow the head
	// with AppendChunk calls and one AppendLastChunk.
	Chunked int64 = -1
)

// AppendStatusLine appends "HTTP/1.1 <code> <reason>\r\n". netplay always
// answers as HTTP/1.1, also to HTTP/1.0 requests (RFC 9110 2.5).
func AppendStatusLine(dst []byte, code int) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, StatusText(code)...)
	return append(dst, "\r\n"...)
}

// AppendRequestLine appends "<method> <target> HTTP/1.1\r\n". It fails when
// method is not a token or target holds a space or control byte.
func AppendRequestLine(dst []byte, method, target string) ([]byte, error) {
	if !ValidFieldName(method) {
		return dst, fmt.Errorf("http1: invalid method %q", method)
	}
	if target == "" {
		return dst, fmt.Errorf("http1: empty request-target")
	}
	for i := 0; i < len(target); i++ {
		if class[target[i]]&cTarget == 0 {
			return dst, fmt.Errorf("http1: %s in request-target %q", describe(target[i]), target)
		}
	}
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, target...)
	return append(dst, " HTTP/1.1\r\n"...), nil
}

// AppendField appends "name: value\r\n". It fails (dst unchanged) when name
// is not a token or value holds CR, LF, NUL or another control byte, so a
// value taken from a peer cannot split a message.
func AppendField(dst []byte, name, value string) ([]byte, error) {
	if !ValidFieldName(name) {
		return dst, fmt.Errorf("http1: invalid field name %q", name)
	}
	if !ValidFieldValue(value) {
		return dst, fmt.Errorf("http1: invalid value for field %q: %q", name, value)
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...), nil
}

// AppendChunk appends data as one chunk. Empty data appends nothing (an
// empty chunk would end the body).
func AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = strconv.AppendInt(dst, int64(len(data)), 16)
	dst = append(dst, "\r\n"...)
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendLastChunk appends the last chunk, the trailers and the final CRLF.
func AppendLastChunk(dst []byte, trailers []Pair) ([]byte, error) {
	out := append(dst, "0\r\n"...)
	var err error
	for _, f := range trailers {
		if out, err = AppendField(out, f.Name, f.Value); err != nil {
			return dst, err
		}
	}
	return append(out, "\r\n"...), nil
}

// BodyAllowed reports whether a response with this status may carry a body
// (and a Content-Length): not 1xx, 204 or 304.
func BodyAllowed(status int) bool {
	return status >= 200 && status != 204 && status != 304
}

// AppendResponseHead appends a status line, fields and the body framing:
// Content-Length: length, or Transfer-Encoding: chunked when length is
// [Chunked]; nothing for a status without a body. Content-Length and
// Transfer-Encoding among fields are skipped: framing is the encoder's.
func AppendResponseHead(dst []byte, status int, fields []Pair, length int64) ([]byte, error) {
	if status < 100 || status > 999 {
		return dst, fmt.Errorf("http1: invalid status code %d", status)
	}
	out := AppendStatusLine(dst, status)
	out, err := appendFields(out, fields)
	if err != nil {
		return dst, err
	}
	if BodyAllowed(status) {
		out = appendFraming(out, length)
	}
	return append(out, "\r\n"...), nil
}

// AppendResponse appends a whole response with a Content-Length body. For
// a response to HEAD (head true) the Content-Length is len(body) but the
// body is left out.
func AppendResponse(dst []byte, status int, fields []Pair, body []byte, head bool) ([]byte, error) {
	out, err := AppendResponseHead(dst, status, fields, int64(len(body)))
	if err != nil {
		return dst, err
	}
	if head || !BodyAllowed(status) {
		return out, nil
	}
	return append(out, body...), nil
}

// AppendRequestHead appends a request line, fields and the body framing:
// Content-Length: length (left out when 0 for a method that defines no
// body, as Go's client does), or chunked when length is [Chunked].
func AppendRequestHead(dst []byte, method, target string, fields []Pair, length int64) ([]byte, error) {
	out, err := AppendRequestLine(dst, method, target)
	if err != nil {
		return dst, err
	}
	if out, err = appendFields(out, fields); err != nil {
		return dst, err
	}
	if length != 0 || method == "POST" || method == "PUT" || method == "PATCH" {
		out = appendFraming(out, length)
	}
	return append(out, "\r\n"...), nil
}

// AppendRequest appends a whole request with a Content-Length body.
func AppendRequest(dst []byte, method, target string, fields []Pair, body []byte) ([]byte, error) {
	out, err := AppendRequestHead(dst, method, target, fields, int64(len(body)))
	if err != nil {
		return dst, err
	}
	return append(out, body...), nil
}

func appendFields(dst []byte, fields []Pair) ([]byte, error) {
	var err error
	for _, f := range fields {
		if isFraming(f.Name) {
			continue
		}
		if dst, err = AppendField(dst, f.Name, f.Value); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func isFraming(name string) bool {
	return equalFold(name, "content-length") || equalFold(name, "transfer-encoding")
}

func appendFraming(dst []byte, length int64) []byte {
	if length < 0 {
		return append(dst, "Transfer-Encoding: chunked\r\n"...)
	}
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, length, 10)
	return append(dst, "\r\n"...)
}
