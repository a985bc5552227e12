package http1

// Response is a parsed response. Its byte slices alias the parser's copy of
// the head and are valid until the next response's Head: copy what you keep.
type Response struct {
	Minor   int    // 0 for HTTP/1.0, 1 for HTTP/1.1
	Status  int    // 100..599
	Reason  []byte // as sent; may be empty
	Header  Header
	Trailer Header
	// Body is the whole body, set by ResponseDecoder only.
	Body []byte
	// ContentLength is the declared length; -1 when chunked or delimited by
	// the close of the conn; 0 without a body.
	ContentLength int64
	Chunked       bool
	// Close reports that the server will close the conn after this response:
	// "Connection: close", HTTP/1.0 without "keep-alive", a body ended by
	// the close, or Content-Length with Transfer-Encoding (RFC 9112 6.1).
	Close bool
}

// ResponseParser is the incremental event parser for a stream of responses.
// Use [NewResponseParser]; it is not safe for concurrent use.
type ResponseParser struct {
	p    parser
	res  Response
	head bool
}

// NewResponseParser returns a parser enforcing lim (zero: the defaults).
func NewResponseParser(lim Limits) *ResponseParser {
	rp := &ResponseParser{}
	rp.p.init(lim, true, &rp.res.Trailer)
	return rp
}

// SetHeadRequest tells the parser whether the response it is about to parse
// answers a HEAD request (then it has no body whatever its fields say).
func (rp *ResponseParser) SetHeadRequest(head bool) { rp.head = head }

// Next is [RequestParser.Next] for responses. A response without
// Content-Length or chunked coding ends when the conn does: call EOF then.
// After a 101 response the parser reports NeedMore forever: the rest of the
// stream belongs to the new protocol.
func (rp *ResponseParser) Next(in []byte) (ev Event, n int, err error) {
	return rp.p.next(in, rp.finishHead)
}

// EOF tells the parser the conn was closed by the peer. It returns End when
// that completes a body delimited by the close, nil when the conn closed
// between messages, and an error when it cut a message short.
func (rp *ResponseParser) EOF() (Event, error) {
	switch rp.p.state {
	case stEOFBody:
		rp.p.done()
		return End, nil
	case stStart, stUpgraded:
		return NeedMore, nil
	}
	return NeedMore, errEOF
}

var errEOF = badRequest("connection closed in the middle of a response")

// Response returns the response whose Head was reported (Body is nil here).
func (rp *ResponseParser) Response() *Response { return &rp.res }

// Data returns the body piece of the last Data event.
func (rp *ResponseParser) Data() []byte { return rp.p.data }

// parseStatusLine checks "HTTP-version SP 3DIGIT [SP reason]".
func (p *parser) parseStatusLine(line []byte) error {
	if len(line) < 12 || line[8] != ' ' {
		return badRequest("malformed status line %.60q", line)
	}
	if _, _, err := parseVersion(line[:8]); err != nil {
		return err
	}
	code := line[9:12]
	if !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] < '1' || code[0] > '5' {
		return badRequest("malformed status code %.40q", code)
	}
	rs := len(line)
	if len(line) > 12 {
		if line[12] != ' ' {
			return badRequest("malformed status line %.60q", line)
		}
		rs = 13
	}
	if i := checkValue(line[rs:]); i >= 0 {
		return badRequest("%s in reason phrase", describe(line[rs+i]))
	}
	p.start = [3]span{{0, 8}, {9, 12}, {rs, len(line)}}
	return nil
}

// finishHead applies RFC 9112 6.3's body length rules to a response head.
func (rp *ResponseParser) finishHead(raw []byte) error {
	p := &rp.p
	r := &rp.res
	code := raw[9:12]
	*r = Response{
		Minor:  int(raw[7] - '0'),
		Status: int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0'),
		Reason: raw[p.start[2].s:p.start[2].e],
		Header: p.hdr,
	}
	cl := int64(-1)
	var te, chunked, closeTok, keepTok bool
	for _, f := range r.Header {
		var err *Error
		switch {
		case equalFold(f.Name, "content-length"):
			cl, err = parseContentLength(f.Value, cl)
		case equalFold(f.Name, "transfer-encoding"):
			te = true
			chunked, err = parseTransferEncoding(f.Value, chunked)
		case equalFold(f.Name, "connection"):
			closeTok = closeTok || listHas(f.Value, "close")
			keepTok = keepTok || listHas(f.Value, "keep-alive")
		}
		if err != nil {
			return err
		}
	}
	r.Close = closeTok || (r.Minor == 0 && !keepTok)
	switch {
	case r.Status == 101:
		p.upgrade = true
		p.state = stEnd
	case r.Status < 200 || r.Status == 204 || r.Status == 304 || rp.head:
		p.state = stEnd
	case te:
		r.Chunked, r.ContentLength = true, -1
		r.Close = r.Close || cl >= 0
		p.chunked = true
		p.state, p.scan = stChunkSize, 0
	case cl > 0:
		if p.lim.bodyTooLarge(cl) {
			return errf(413, "Content-Length %d over max_body_bytes %d", cl, p.lim.MaxBodyBytes)
		}
		r.ContentLength = cl
		p.remaining, p.bodyLen = cl, cl
		p.state = stBody
	case cl == 0:
		p.state = stEnd
	default:
		r.ContentLength, r.Close = -1, true
		p.state = stEOFBody
	}
	return nil
}
