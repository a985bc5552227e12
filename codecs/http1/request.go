package http1

import "bytes"

// Request is a parsed request. Its byte slices alias the parser's copy of
// the head (Body and Trailer: see the decoder or parser that returned it)
// and are valid until the next request's Head: copy what you keep.
type Request struct {
	Method []byte // a token, as sent (methods are case-sensitive)
	Target []byte // the request-target, as sent
	Minor  int    // 0 for HTTP/1.0, 1 for HTTP/1.1
	Header Header
	// Trailer holds the fields after a chunked body; nil without them.
	Trailer Header
	// Body is the whole body, set by RequestDecoder only.
	Body []byte
	// ContentLength is the declared length; -1 with chunked; 0 without a body.
	ContentLength int64
	Chunked       bool
	// Close reports that the client will not send another request on this
	// conn: "Connection: close", or HTTP/1.0 without "keep-alive" (RFC 9112
	// 9.3). A server then closes after its response.
	Close bool
	// ExpectContinue reports "Expect: 100-continue" on an HTTP/1.1 request.
	ExpectContinue bool
	// Upgrade is the Upgrade field's value when Connection lists "upgrade"
	// (a WebSocket handshake); nil otherwise.
	Upgrade []byte
}

// Path returns the request-target up to '?'.
func (r *Request) Path() []byte {
	if i := bytes.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[:i]
	}
	return r.Target
}

// Query returns the request-target after '?', or nil.
func (r *Request) Query() []byte {
	if i := bytes.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[i+1:]
	}
	return nil
}

// KeepAlive reports whether the client allows another request on the conn.
func (r *Request) KeepAlive() bool { return !r.Close }

// RequestParser is the incremental event parser for a stream of requests.
// Use [NewRequestParser]; it is not safe for concurrent use.
type RequestParser struct {
	p   parser
	req Request
}

// NewRequestParser returns a parser enforcing lim (zero: the defaults).
func NewRequestParser(lim Limits) *RequestParser {
	rp := &RequestParser{}
	rp.p.init(lim, false, &rp.req.Trailer)
	return rp
}

// Next consumes bytes from in, which holds everything buffered and not yet
// discarded, and reports one event and how many bytes n to discard. After an
// error the stream cannot go on: answer err's Status and close.
func (rp *RequestParser) Next(in []byte) (ev Event, n int, err error) {
	return rp.p.next(in, rp.finishHead)
}

// Request returns the request whose Head was reported (Body is nil here).
func (rp *RequestParser) Request() *Request { return &rp.req }

// Data returns the body piece of the last Data event.
func (rp *RequestParser) Data() []byte { return rp.p.data }

// parseRequestLine checks "method SP request-target SP HTTP-version".
func (p *parser) parseRequestLine(line []byte) error {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return badRequest("malformed request line %.60q", line)
	}
	if i := checkToken(line[:sp1]); i >= 0 {
		return badRequest("%s in method %.40q", describe(line[i]), line[:sp1])
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 < 0 {
		return badRequest("request line without an HTTP version: %.60q", line)
	}
	if sp2 == 0 {
		return badRequest("empty request-target or more than one space in %.60q", line)
	}
	ts, te := sp1+1, sp1+1+sp2
	for i := ts; i < te; i++ {
		if class[line[i]]&cTarget == 0 {
			return badRequest("%s in request-target %.60q", describe(line[i]), line[ts:te])
		}
	}
	if _, _, err := parseVersion(line[te+1:]); err != nil {
		return err
	}
	p.start = [3]span{{0, sp1}, {ts, te}, {te + 1, len(line)}}
	return nil
}

// finishHead applies RFC 9112's rules to a complete request head in raw.
func (rp *RequestParser) finishHead(raw []byte) error {
	p := &rp.p
	r := &rp.req
	*r = Request{
		Method: raw[p.start[0].s:p.start[0].e],
		Target: raw[p.start[1].s:p.start[1].e],
		Minor:  int(raw[p.start[2].e-1] - '0'),
		Header: p.hdr,
	}
	if err := checkTarget(r.Method, r.Target); err != nil {
		return err
	}
	hosts, cl := 0, int64(-1)
	var te, chunked, closeTok, keepTok, upgradeTok bool
	var upgrade []byte
	for _, f := range r.Header {
		var err *Error
		switch {
		case equalFold(f.Name, "host"):
			hosts++
			if i := checkHost(f.Value); i >= 0 {
				err = badRequest("%s in Host %.40q", describe(f.Value[i]), f.Value)
			}
		case equalFold(f.Name, "content-length"):
			cl, err = parseContentLength(f.Value, cl)
		case equalFold(f.Name, "transfer-encoding"):
			te = true
			chunked, err = parseTransferEncoding(f.Value, chunked)
		case equalFold(f.Name, "connection"):
			closeTok = closeTok || listHas(f.Value, "close")
			keepTok = keepTok || listHas(f.Value, "keep-alive")
			upgradeTok = upgradeTok || listHas(f.Value, "upgrade")
		case equalFold(f.Name, "expect"):
			r.ExpectContinue = r.Minor == 1 && equalFold(f.Value, "100-continue")
		case equalFold(f.Name, "upgrade"):
			upgrade = f.Value
		}
		if err != nil {
			return err
		}
	}
	switch {
	case hosts == 0 && r.Minor == 1:
		return badRequest("missing Host field in an HTTP/1.1 request")
	case hosts > 1:
		return badRequest("more than one Host field")
	}
	r.Close = closeTok || (r.Minor == 0 && !keepTok)
	if upgradeTok && upgrade != nil {
		r.Upgrade = upgrade
	}
	switch {
	case te && r.Minor == 0:
		return badRequest("Transfer-Encoding in an HTTP/1.0 request")
	case te && cl >= 0:
		return badRequest("Content-Length together with Transfer-Encoding")
	case te:
		r.Chunked, r.ContentLength = true, -1
		p.chunked = true
		p.state, p.scan = stChunkSize, 0
	case cl > 0:
		if p.lim.bodyTooLarge(cl) {
			return errf(413, "Content-Length %d over max_body_bytes %d", cl, p.lim.MaxBodyBytes)
		}
		r.ContentLength = cl
		p.remaining, p.bodyLen = cl, cl
		p.state = stBody
	default:
		p.state = stEnd
	}
	return nil
}

// checkTarget accepts the four request-target forms of RFC 9112 3.2.
func checkTarget(method, target []byte) *Error {
	switch {
	case target[0] == '/':
		return nil
	case string(method) == "CONNECT":
		if bytes.IndexByte(target, '/') < 0 && bytes.IndexByte(target, ':') > 0 {
			return nil
		}
	case len(target) == 1 && target[0] == '*':
		if string(method) == "OPTIONS" {
			return nil
		}
	case bytes.Contains(target, []byte("://")):
		return nil
	}
	return badRequest("invalid request-target %.60q for %s", target, method)
}

// checkHost returns the index of the first byte not allowed in a Host value
// (uri-host [":" port], RFC 3986), or -1.
func checkHost(v []byte) int {
	for i, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("-._~!$&'()*+,;=:[]%"), c) >= 0:
		default:
			return i
		}
	}
	return -1
}
