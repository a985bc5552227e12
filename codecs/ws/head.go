package ws

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Head is an HTTP/1.1 request or response head as far as the opening
// handshake needs it. It is what ws.listen and ws.dial parse when no HTTP
// server is in front; behind http.listen the HTTP codec's request is used
// instead, through the [HeaderValues] interface.
type Head struct {
	// Request line (requests only).
	Method, Target string
	// Status line (responses only).
	Status int
	Reason string
	Proto  string // "HTTP/1.1"
	Fields []Field
}

// Field is one header line.
type Field struct{ Name, Value string }

// HeaderValues gives a header's values by case-insensitive name, one per line it
// appeared on. net/http.Header and *Head satisfy it.
type HeaderValues interface {
	Values(name string) []string
}

// Values returns the values of every field named name, in order.
func (h *Head) Values(name string) []string {
	var vs []string
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Get returns the first value of the field named name, or "".
func (h *Head) Get(name string) string {
	for _, f := range h.Fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Limits of [ParseRequestHead] and [ParseResponseHead].
const (
	DefaultMaxHead = 8 << 10 // a handshake head needs far less
	maxHeadFields  = 100
)

// ParseRequestHead parses an HTTP/1.1 request head from the start of in.
// It returns n == 0 while the head is incomplete, the head and its length
// once "\r\n\r\n" has arrived, and an error for a malformed head or one
// longer than max bytes (0 means DefaultMaxHead).
func ParseRequestHead(in []byte, max int) (*Head, int, error) {
	lines, n, err := headLines(in, max)
	if lines == nil || err != nil {
		return nil, n, err
	}
	method, rest, ok1 := strings.Cut(lines[0], " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || !isToken(method) || target == "" || !strings.HasPrefix(proto, "HTTP/1.") {
		return nil, 0, fmt.Errorf("ws: handshake: bad request line %q", lines[0])
	}
	h := &Head{Method: method, Target: target, Proto: proto}
	if err := h.parseFields(lines[1:]); err != nil {
		return nil, 0, err
	}
	return h, n, nil
}

// ParseResponseHead parses an HTTP/1.1 response head like
// [ParseRequestHead].
func ParseResponseHead(in []byte, max int) (*Head, int, error) {
	lines, n, err := headLines(in, max)
	if lines == nil || err != nil {
		return nil, n, err
	}
	proto, rest, _ := strings.Cut(lines[0], " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 || err != nil {
		return nil, 0, fmt.Errorf("ws: handshake: bad status line %q", lines[0])
	}
	h := &Head{Status: status, Reason: reason, Proto: proto}
	if err := h.parseFields(lines[1:]); err != nil {
		return nil, 0, err
	}
	return h, n, nil
}

// headLines splits a head ending in an empty line into its lines.
func headLines(in []byte, max int) ([]string, int, error) {
	if max <= 0 {
		max = DefaultMaxHead
	}
	end := bytes.Index(in, []byte("\r\n\r\n"))
	if end < 0 {
		if len(in) > max {
			return nil, 0, fmt.Errorf("ws: handshake: head over %d bytes", max)
		}
		return nil, 0, nil
	}
	if end+4 > max {
		return nil, 0, fmt.Errorf("ws: handshake: head of %d bytes > %d", end+4, max)
	}
	return strings.Split(string(in[:end]), "\r\n"), end + 4, nil
}

func (h *Head) parseFields(lines []string) error {
	if len(lines) > maxHeadFields {
		return fmt.Errorf("ws: handshake: %d header fields > %d", len(lines), maxHeadFields)
	}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok || !isToken(name) {
			return fmt.Errorf("ws: handshake: bad header line %q", l)
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("ws: handshake: bad header line %q", l)
		}
		h.Fields = append(h.Fields, Field{Name: name, Value: strings.Trim(value, " \t")})
	}
	return nil
}
