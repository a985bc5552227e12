package http1

// Default limits. DefaultMaxHeaderBytes is nginx's sizing (4 × 8 KiB
// buffers), not Go's 1 MiB: a playground holding thousands of slow clients
// should not let each buffer a megabyte of header.
const (
	DefaultMaxRequestLine  = 8 << 10 // longer request line -> 414
	DefaultMaxHeaderBytes  = 32 << 10
	DefaultMaxHeaderFields = 100
	DefaultMaxBodyBytes    = 8 << 20
	// maxChunkLine bounds a chunk-size line with its extensions.
	maxChunkLine = 4 << 10
	// maxBlankLines bounds the empty lines tolerated before a request line
	// (RFC 9112 2.2 asks to ignore at least one).
	maxBlankLines = 8
)

// Limits bounds what a parser buffers for one message. The zero value means
// the defaults: an 8 KiB request line, a 32 KiB field section of at most 100
// fields, an 8 MiB body.
type Limits struct {
	// MaxRequestLine bounds the request line (or a response's status line),
	// CRLF excluded; 0 means 8192. A longer request line is a 414.
	MaxRequestLine int
	// MaxHeaderBytes bounds the field section after the start line, CRLFs
	// included, and likewise the trailer section; 0 means 32768. Past it: 431.
	// Lua: max_header_bytes.
	MaxHeaderBytes int
	// MaxHeaderFields bounds the number of field lines in the header (and in
	// the trailers); 0 means 100. Past it: 431.
	MaxHeaderFields int
	// MaxBodyBytes bounds a body after transfer decoding; 0 means 8 MiB and a
	// negative value means no limit. Past it: 413, reported as soon as a
	// Content-Length or a chunk size announces it, before the bytes arrive.
	// Lua: max_body_bytes.
	MaxBodyBytes int64
}

// normalize fills in the defaults.
func (l Limits) normalize() Limits {
	if l.MaxRequestLine <= 0 {
		l.MaxRequestLine = DefaultMaxRequestLine
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxHeaderFields <= 0 {
		l.MaxHeaderFields = DefaultMaxHeaderFields
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return l
}

// bodyTooLarge reports whether n body bytes break the limit.
func (l Limits) bodyTooLarge(n int64) bool { return l.MaxBodyBytes >= 0 && n > l.MaxBodyBytes }
