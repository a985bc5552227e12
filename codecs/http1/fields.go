package http1

import "bytes"

// Field is one field line as received: name and value alias the parser's
// copy of the head, valid until the parser's next Head (or End for
// trailers). The value has its surrounding whitespace removed.
type Field struct {
	Name  []byte
	Value []byte
}

// Header is a field section in the order received, repeats kept. Lookups
// ignore the case of names.
type Header []Field

// Get returns the value of the first field named name, or nil.
func (h Header) Get(name string) []byte {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return h[i].Value
		}
	}
	return nil
}

// Has reports whether a field named name is present.
func (h Header) Has(name string) bool {
	for i := range h {
		if equalFold(h[i].Name, name) {
			return true
		}
	}
	return false
}

// Values returns the values of every field named name, in order.
func (h Header) Values(name string) [][]byte {
	var vs [][]byte
	for i := range h {
		if equalFold(h[i].Name, name) {
			vs = append(vs, h[i].Value)
		}
	}
	return vs
}

// HasToken reports whether a comma-separated list field (Connection,
// Transfer-Encoding, Upgrade) named name holds token, ignoring case, in any
// of its lines.
func (h Header) HasToken(name, token string) bool {
	for i := range h {
		if equalFold(h[i].Name, name) && listHas(h[i].Value, token) {
			return true
		}
	}
	return false
}

// equalFold compares an ASCII name with s, ignoring case.
func equalFold[T string | []byte](b T, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// listHas reports whether the comma-separated list v holds token (any case).
func listHas(v []byte, token string) bool {
	for len(v) > 0 {
		var elem []byte
		elem, v = nextElem(v)
		if equalFold(elem, token) {
			return true
		}
	}
	return false
}

// nextElem splits the first element off a comma-separated list, trimming
// optional whitespace around it.
func nextElem(v []byte) (elem, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		elem, rest = v[:i], v[i+1:]
	} else {
		elem = v
	}
	return trimOWS(elem), rest
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// Byte classes of RFC 9110 5.6.2 and 5.5.
const (
	cTchar  = 1 << iota // token character
	cVchar              // allowed inside a field value: VCHAR, obs-text, SP, HTAB
	cTarget             // allowed in a request-target: VCHAR
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		if b == '\t' || (b >= 0x20 && b != 0x7f) {
			t[c] |= cVchar
		}
		if b > 0x20 && b < 0x7f {
			t[c] |= cTarget
		}
		if ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || ('0' <= b && b <= '9') ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), b) >= 0 {
			t[c] |= cTchar
		}
	}
	return t
}()

// checkToken returns the index of the first byte of b that is not a token
// character, or -1.
func checkToken(b []byte) int {
	for i, c := range b {
		if class[c]&cTchar == 0 {
			return i
		}
	}
	return -1
}

// checkValue returns the index of the first byte of b not allowed in a field
// value (CTLs but HTAB, DEL, and so NUL and CR), or -1.
func checkValue(b []byte) int {
	for i, c := range b {
		if class[c]&cVchar == 0 {
			return i
		}
	}
	return -1
}

// ValidFieldName reports whether name is a non-empty token, as a field name
// must be.
func ValidFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if class[name[i]]&cTchar == 0 {
			return false
		}
	}
	return true
}

// ValidFieldValue reports whether value can be sent as a field value: no CR,
// LF, NUL or other control byte but HTAB.
func ValidFieldValue(value string) bool {
	for i := 0; i < len(value); i++ {
		if class[value[i]]&cVchar == 0 {
			return false
		}
	}
	return true
}
