package http1

// body collects a message's body across Data events without copying when
// the whole body arrives in the bytes of one Decode call.
type body struct {
	alias  []byte // the only piece so far, aliasing the caller's bytes
	buf    []byte // pieces copied out, reused from message to message
	copied bool
}

func (b *body) reset() { b.alias, b.buf, b.copied = nil, b.buf[:0], false }

func (b *body) add(d []byte) {
	switch {
	case b.copied:
		b.buf = append(b.buf, d...)
	case b.alias == nil:
		b.alias = d
	default:
		b.buf = append(append(b.buf[:0], b.alias...), d...)
		b.alias, b.copied = nil, true
	}
}

// keep copies an aliased piece out before the caller discards its bytes.
func (b *body) keep() {
	if b.alias != nil {
		b.buf = append(b.buf[:0], b.alias...)
		b.alias, b.copied = nil, true
	}
}

func (b *body) bytes() []byte {
	if b.copied {
		return b.buf
	}
	if b.alias == nil {
		return nil
	}
	return b.alias
}

// RequestDecoder frames a stream of requests into whole requests, bodies
// read to the end. Use [NewRequestDecoder]; it is not safe for concurrent
// use.
type RequestDecoder struct {
	p       *RequestParser
	b       body
	pending bool // a head was returned by the parser, its body is not complete
}

// NewRequestDecoder returns a decoder enforcing lim (zero: the defaults).
func NewRequestDecoder(lim Limits) *RequestDecoder {
	return &RequestDecoder{p: NewRequestParser(lim)}
}

// Decode looks at in (all bytes buffered and not yet discarded) and returns
// at most one complete request, with the contract of codecs.Codec.Decode:
//   - req != nil: a request; discard n bytes. req (and its Body) is valid
//     until the caller discards n bytes and calls Decode again.
//   - req == nil, n == 0, err == nil: more bytes are needed.
//   - req == nil, n > 0, err == nil: n bytes were consumed (a head, part of
//     a body); discard them and call again.
//   - err != nil: an [*Error]; answer its Status and close the conn.
//
// Pipelined requests come out one per call, in order.
func (d *RequestDecoder) Decode(in []byte) (req *Request, n int, err error) {
	off := 0
	for {
		ev, k, err := d.p.Next(in[off:])
		off += k
		if err != nil {
			return nil, off, err
		}
		switch ev {
		case NeedMore:
			d.b.keep()
			return nil, off, nil
		case Head:
			d.b.reset()
			d.pending = true
		case Data:
			d.b.add(d.p.Data())
		case End:
			d.pending = false
			r := d.p.Request()
			r.Body = d.b.bytes()
			return r, off, nil
		}
	}
}

// Pending returns the head of a request whose body has not fully arrived
// (to answer "Expect: 100-continue" before it does), or nil.
func (d *RequestDecoder) Pending() *Request {
	if d.pending {
		return d.p.Request()
	}
	return nil
}

// ResponseDecoder frames a stream of responses into whole responses, bodies
// read to the end. Interim 1xx responses other than 101 are skipped. Use
// [NewResponseDecoder]; it is not safe for concurrent use.
type ResponseDecoder struct {
	p *ResponseParser
	b body
}

// NewResponseDecoder returns a decoder enforcing lim (zero: the defaults).
func NewResponseDecoder(lim Limits) *ResponseDecoder {
	return &ResponseDecoder{p: NewResponseParser(lim)}
}

// SetHeadRequest tells the decoder whether the next response answers HEAD.
func (d *ResponseDecoder) SetHeadRequest(head bool) { d.p.SetHeadRequest(head) }

// Decode is [RequestDecoder.Decode] for responses.
func (d *ResponseDecoder) Decode(in []byte) (res *Response, n int, err error) {
	off := 0
	for {
		ev, k, err := d.p.Next(in[off:])
		off += k
		if err != nil {
			return nil, off, err
		}
		switch ev {
		case NeedMore:
			d.b.keep()
			return nil, off, nil
		case Head:
			d.b.reset()
		case Data:
			d.b.add(d.p.Data())
		case End:
			r := d.p.Response()
			if r.Status < 200 && r.Status != 101 {
				continue // 100 Continue, 103 Early Hints: the real response follows
			}
			r.Body = d.b.bytes()
			return r, off, nil
		}
	}
}

// EOF tells the decoder the peer closed the conn. It returns the response a
// close completes (one without Content-Length or chunked coding), nil
// between responses, or an error when the close cut a response short.
func (d *ResponseDecoder) EOF() (*Response, error) {
	ev, err := d.p.EOF()
	if err != nil || ev != End {
		return nil, err
	}
	r := d.p.Response()
	r.Body = d.b.bytes()
	return r, nil
}
