package http1

import "bytes"

// Event is what one call of a parser's Next reports.
type Event uint8

const (
	// NeedMore means more bytes are needed. n may be > 0 (framing such as a
	// chunk-size line was consumed): discard n bytes and call again with more.
	NeedMore Event = iota
	// Head means a message's start line and header are complete: see the
	// parser's Request or Response. Its body (if any) follows as Data events.
	Head
	// Data means Data() holds the next piece of the body, transfer coding
	// removed. It aliases in and is valid until the caller discards n bytes.
	Data
	// End means the message is complete (trailers, if any, are in its
	// Trailer field); the next byte starts the next message.
	End
)

// String returns the event's name.
func (e Event) String() string {
	return [...]string{"NeedMore", "Head", "Data", "End"}[e]
}

type state uint8

const (
	stStart     state = iota // before a message: skipping empty lines
	stHead                   // scanning the start line and the field section
	stBody                   // a Content-Length body
	stChunkSize              // a chunk-size line
	stChunkData              // the data of a chunk
	stChunkCRLF              // the CRLF after a chunk's data
	stTrailer                // the trailer section after the last chunk
	stEOFBody                // a response body ended by the close of the conn
	stEnd                    // the message is complete; End is reported next
	stUpgraded               // after a 101: the rest is not HTTP
)

// span is [s, e) in the buffer a section is scanned in.
type span struct{ s, e int }

type fieldSpan struct{ name, value span }

// parser is the state machine shared by requests and responses.
type parser struct {
	lim   Limits
	resp  bool
	state state
	blank int // empty lines skipped before this message

	// The section being scanned (head or trailers) is not consumed until it
	// is complete, so offsets are from the first byte the caller passes.
	scan      int // in[lineStart:scan] holds no '\n'
	lineStart int
	startEnd  int // just past the start line's LF; 0 while it is scanned
	start     [3]span
	spans     []fieldSpan

	raw  []byte // a copy of the head: Header aliases it
	traw []byte // a copy of the trailer section
	hdr  Header
	tlr  Header

	remaining int64 // bytes left in a Content-Length body or in a chunk
	bodyLen   int64 // body bytes announced so far
	chunked   bool
	data      []byte
	upgrade   bool // the message ends the HTTP stream (a 101 response)
	trailer   *Header
}

func (p *parser) init(lim Limits, resp bool, trailer *Header) {
	p.lim = lim.normalize()
	p.resp = resp
	p.trailer = trailer
}

// next is Next for both parsers; head is the start-line-and-semantics hook.
func (p *parser) next(in []byte, finish func(raw []byte) error) (Event, int, error) {
	off := 0
	for {
		rest := in[off:]
		switch p.state {
		case stStart:
			if len(rest) == 0 {
				return NeedMore, off, nil
			}
			if rest[0] == '\r' || rest[0] == '\n' {
				if rest[0] == '\n' {
					return NeedMore, off, badRequest("bare LF before the start line")
				}
				if len(rest) < 2 {
					return NeedMore, off, nil
				}
				if rest[1] != '\n' {
					return NeedMore, off, badRequest("bare CR before the start line")
				}
				if p.blank++; p.blank > maxBlankLines {
					return NeedMore, off, badRequest("more than %d empty lines before the start line", maxBlankLines)
				}
				off += 2
				continue
			}
			p.state, p.scan, p.lineStart, p.startEnd = stHead, 0, 0, 0
			p.spans = p.spans[:0]
		case stHead:
			end, err := p.scanHead(rest)
			if err != nil || end == 0 {
				return NeedMore, off, err
			}
			p.raw = append(p.raw[:0], rest[:end]...)
			p.hdr = p.fields(p.hdr[:0], p.raw)
			p.bodyLen, p.chunked, p.upgrade = 0, false, false
			if err := finish(p.raw); err != nil {
				return NeedMore, off, err
			}
			return Head, off + end, nil
		case stBody, stChunkData:
			if len(rest) == 0 {
				return NeedMore, off, nil
			}
			k := int(min(int64(len(rest)), p.remaining))
			p.remaining -= int64(k)
			if p.remaining == 0 {
				if p.state == stBody {
					p.state = stEnd
				} else {
					p.state = stChunkCRLF
				}
			}
			p.data = rest[:k]
			return Data, off + k, nil
		case stChunkSize:
			i := bytes.IndexByte(rest[p.scan:], '\n')
			if i < 0 {
				p.scan = len(rest)
				if len(rest) > maxChunkLine {
					return NeedMore, off, badRequest("chunk-size line over %d bytes", maxChunkLine)
				}
				return NeedMore, off, nil
			}
			lf := p.scan + i
			if lf > maxChunkLine {
				return NeedMore, off, badRequest("chunk-size line over %d bytes", maxChunkLine)
			}
			size, err := parseChunkLine(rest[:lf])
			if err != nil {
				return NeedMore, off, err
			}
			off += lf + 1
			p.scan = 0
			if size == 0 {
				p.state, p.lineStart = stTrailer, 0
				p.spans = p.spans[:0]
				continue
			}
			if p.lim.bodyTooLarge(p.bodyLen + size) {
				return NeedMore, off, errf(413, "chunked body over max_body_bytes %d", p.lim.MaxBodyBytes)
			}
			p.bodyLen += size
			p.remaining = size
			p.state = stChunkData
		case stChunkCRLF:
			if len(rest) == 0 {
				return NeedMore, off, nil
			}
			if rest[0] != '\r' {
				return NeedMore, off, badRequest("chunk data longer than its size")
			}
			if len(rest) < 2 {
				return NeedMore, off, nil
			}
			if rest[1] != '\n' {
				return NeedMore, off, badRequest("chunk data not followed by CRLF")
			}
			off += 2
			p.state = stChunkSize
		case stTrailer:
			end, err := p.scanFields(rest, 0, "trailer")
			if err != nil || end == 0 {
				return NeedMore, off, err
			}
			p.traw = append(p.traw[:0], rest[:end]...)
			p.tlr = p.fields(p.tlr[:0], p.traw)
			*p.trailer = p.tlr
			p.done()
			return End, off + end, nil
		case stEOFBody:
			if len(rest) == 0 {
				return NeedMore, off, nil
			}
			if p.lim.bodyTooLarge(p.bodyLen + int64(len(rest))) {
				return NeedMore, off, errf(413, "body over max_body_bytes %d", p.lim.MaxBodyBytes)
			}
			p.bodyLen += int64(len(rest))
			p.data = rest
			return Data, off + len(rest), nil
		case stEnd:
			p.done()
			return End, off, nil
		default: // stUpgraded
			return NeedMore, off, nil
		}
	}
}

// done ends a message.
func (p *parser) done() {
	p.blank = 0
	p.state = stStart
	if p.upgrade {
		p.state = stUpgraded
	}
}

// scanHead scans the start line and then the field section; it returns the
// head's length once its empty line has arrived.
func (p *parser) scanHead(in []byte) (int, error) {
	if p.startEnd == 0 {
		i := bytes.IndexByte(in[p.scan:], '\n')
		if i < 0 {
			p.scan = len(in)
			if len(in) > p.lim.MaxRequestLine+1 { // +1: a CR may be next
				return 0, p.startTooLong()
			}
			return 0, nil
		}
		lf := p.scan + i
		if lf > p.lim.MaxRequestLine+1 { // as the check above would have, had the LF come later
			return 0, p.startTooLong()
		}
		if lf == 0 || in[lf-1] != '\r' {
			return 0, badRequest("bare LF ending the start line")
		}
		if err := p.parseStart(in[:lf-1]); err != nil {
			return 0, err
		}
		p.startEnd, p.scan, p.lineStart = lf+1, lf+1, lf+1
	}
	return p.scanFields(in, p.startEnd, "header")
}

func (p *parser) startTooLong() *Error {
	if p.resp {
		return badRequest("status line over %d bytes", p.lim.MaxRequestLine)
	}
	return errf(414, "request line over %d bytes", p.lim.MaxRequestLine)
}

func (p *parser) parseStart(line []byte) error {
	if p.resp {
		return p.parseStatusLine(line)
	}
	return p.parseRequestLine(line)
}

// scanFields parses the complete field lines of the section that starts at
// from; it returns the offset just past the section's empty line, or 0 when
// more bytes are needed.
func (p *parser) scanFields(in []byte, from int, what string) (int, error) {
	for {
		i := bytes.IndexByte(in[p.scan:], '\n')
		if i < 0 {
			p.scan = len(in)
			if len(in)-from > p.lim.MaxHeaderBytes { // any LF now ends past the limit
				return 0, errf(431, "%s section over max_header_bytes %d", what, p.lim.MaxHeaderBytes)
			}
			return 0, nil
		}
		lf := p.scan + i
		p.scan = lf + 1
		if lf+1-from > p.lim.MaxHeaderBytes {
			return 0, errf(431, "%s section over max_header_bytes %d", what, p.lim.MaxHeaderBytes)
		}
		s := p.lineStart
		p.lineStart = lf + 1
		if lf == s || in[lf-1] != '\r' {
			return 0, badRequest("bare LF ending a %s line", what)
		}
		if lf-1 == s {
			return lf + 1, nil
		}
		if err := p.addField(in, s, lf-1, what); err != nil {
			return 0, err
		}
	}
}

// addField checks the field line in[s:e] and records it.
func (p *parser) addField(in []byte, s, e int, what string) error {
	line := in[s:e]
	if line[0] == ' ' || line[0] == '\t' {
		return badRequest("obs-fold: a %s line starting with whitespace", what)
	}
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return badRequest("%s line without ':': %.40q", what, line)
	}
	name := line[:colon]
	if colon == 0 {
		return badRequest("empty field name")
	}
	if i := checkToken(name); i >= 0 {
		if c := name[i]; (c == ' ' || c == '\t') && len(trimOWS(name[i:])) == 0 {
			return badRequest("whitespace between field name %.40q and ':'", name[:i])
		}
		return badRequest("%s in field name %.40q", describe(name[i]), name)
	}
	vs, ve := s+colon+1, e
	for vs < ve && (in[vs] == ' ' || in[vs] == '\t') {
		vs++
	}
	for ve > vs && (in[ve-1] == ' ' || in[ve-1] == '\t') {
		ve--
	}
	if i := checkValue(in[vs:ve]); i >= 0 {
		return badRequest("%s in the value of field %.40q", describe(in[vs+i]), name)
	}
	if len(p.spans) >= p.lim.MaxHeaderFields {
		return errf(431, "more than %d %s fields", p.lim.MaxHeaderFields, what)
	}
	p.spans = append(p.spans, fieldSpan{span{s, s + colon}, span{vs, ve}})
	return nil
}

// fields appends the recorded field spans, resolved in raw, to h.
func (p *parser) fields(h Header, raw []byte) Header {
	for _, f := range p.spans {
		h = append(h, Field{Name: raw[f.name.s:f.name.e:f.name.e], Value: raw[f.value.s:f.value.e:f.value.e]})
	}
	return h
}

// parseChunkLine parses "<hex size>[;extensions]\r" (line excludes the LF).
func parseChunkLine(line []byte) (int64, error) {
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return 0, badRequest("bare LF ending a chunk-size line")
	}
	line = line[:len(line)-1]
	var size int64
	i, digits := 0, 0
	for ; i < len(line); i++ {
		v := unhex(line[i])
		if v < 0 {
			break
		}
		if size != 0 || v != 0 {
			digits++
		}
		if digits > 15 { // 16^15 is far past any limit; no overflow below it
			return 0, badRequest("chunk size %.40q overflows", line)
		}
		size = size<<4 | int64(v)
	}
	if i == 0 {
		return 0, badRequest("invalid chunk size %.40q", line)
	}
	ext := line[i:]
	for len(ext) > 0 && (ext[0] == ' ' || ext[0] == '\t') {
		ext = ext[1:]
	}
	if len(ext) > 0 && ext[0] != ';' || len(ext) == 0 && i < len(line) {
		return 0, badRequest("invalid chunk size %.40q", line)
	}
	if j := checkValue(ext); j >= 0 {
		return 0, badRequest("%s in a chunk extension", describe(ext[j]))
	}
	return size, nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseDigits parses a non-empty run of at most 18 ASCII digits.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseContentLength parses one Content-Length field value (a list of equal
// values is allowed, RFC 9110 8.6) and checks it against prev (-1: none).
func parseContentLength(v []byte, prev int64) (int64, *Error) {
	if len(v) == 0 {
		return 0, badRequest("empty Content-Length")
	}
	for len(v) > 0 {
		var elem []byte
		elem, v = nextElem(v)
		n, ok := parseDigits(elem)
		if !ok {
			return 0, badRequest("Content-Length %.40q is not a plain decimal number", elem)
		}
		if prev >= 0 && n != prev {
			return 0, badRequest("Content-Length values differ: %d and %d", prev, n)
		}
		prev = n
	}
	return prev, nil
}

// parseTransferEncoding checks the codings of a Transfer-Encoding line;
// chunked reports whether chunked was seen (in this or an earlier line).
func parseTransferEncoding(v []byte, chunked bool) (bool, *Error) {
	if len(v) == 0 {
		return chunked, badRequest("empty Transfer-Encoding")
	}
	for len(v) > 0 {
		var elem []byte
		elem, v = nextElem(v)
		switch {
		case len(elem) == 0:
			return chunked, badRequest("empty transfer coding")
		case equalFold(elem, "chunked"):
			if chunked {
				return chunked, badRequest("chunked applied more than once")
			}
			chunked = true
		default:
			return chunked, errf(501, "transfer coding %.40q not implemented (only a final chunked is)", elem)
		}
	}
	return chunked, nil
}

// parseVersion parses "HTTP/x.y" strictly: 400 when malformed, 505 when
// not 1.0 or 1.1.
func parseVersion(v []byte) (major, minor int, err *Error) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return 0, 0, badRequest("malformed HTTP version %.40q", v)
	}
	major, minor = int(v[5]-'0'), int(v[7]-'0')
	if major != 1 || minor > 1 {
		return 0, 0, errf(505, "HTTP version %s not supported (1.0 and 1.1 are)", v)
	}
	return major, minor, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
