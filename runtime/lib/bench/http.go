package bench

import (
	"bytes"
	"errors"
	"strconv"
)

// httpProto sends keep-alive GETs and scans each response: status line,
// Content-Length or chunked body. A 4xx/5xx counts as error kind
// "http_NNN"; "Connection: close" makes the conn reconnect after the reply.
type httpProto struct {
	req   []byte
	close bool // the last reply asked to close the conn
}

func newHTTPProto(t target) *httpProto {
	req := "GET " + t.path + " HTTP/1.1\r\nHost: " + t.host + "\r\nUser-Agent: netplay-bench\r\n\r\n"
	return &httpProto{req: []byte(req)}
}

func (*httpProto) hello() []byte                        { return nil }
func (*httpProto) helloReply([]byte) (int, bool, error) { return 0, true, nil }

func (p *httpProto) request(dst []byte, _ uint64) []byte { return append(dst, p.req...) }

// maxHead bounds a response head (status line and headers).
const maxHead = 64 << 10

// maxChunkLine bounds a chunk-size line.
const maxChunkLine = 1024

var errHTTP = errors.New("malformed response")

func (p *httpProto) reply(in []byte, _ uint64, _ *[]byte) reply {
	h, err := scanHead(in)
	if err != nil {
		return reply{n: len(in), kind: "protocol", fatal: true}
	}
	if h.headLen == 0 {
		return reply{}
	}
	if h.status >= 100 && h.status < 200 {
		return reply{n: h.headLen, skip: true} // 100 Continue and friends
	}
	n := h.headLen
	switch {
	case h.chunked:
		m, err := scanChunked(in[n:])
		if err != nil {
			return reply{n: len(in), kind: "protocol", fatal: true}
		}
		if m == 0 {
			return reply{}
		}
		n += m
	case h.length >= 0:
		if int64(len(in)-n) < h.length {
			return reply{}
		}
		n += int(h.length)
	case h.status == 204 || h.status == 304:
	default:
		// A body that ends at close cannot be pipelined on keep-alive.
		return reply{n: len(in), kind: "http_no_length", fatal: true}
	}
	p.close = h.close
	if h.status >= 400 {
		return reply{n: n, kind: "http_" + strconv.Itoa(h.status)}
	}
	return reply{n: n}
}

// head is what scanHead needs of a response head.
type head struct {
	headLen int // 0: incomplete
	status  int
	length  int64 // -1: none
	chunked bool
	close   bool
}

// scanHead parses the status line and the framing headers of the response
// at the head of in.
func scanHead(in []byte) (head, error) {
	h := head{length: -1}
	end := bytes.Index(in, []byte("\r\n\r\n"))
	if end < 0 {
		if len(in) > maxHead {
			return h, errHTTP
		}
		return h, nil
	}
	lines := in[:end+2]
	eol := bytes.Index(lines, []byte("\r\n"))
	status := lines[:eol]
	// HTTP/1.x NNN reason
	if len(status) < 12 || !bytes.HasPrefix(status, []byte("HTTP/1.")) || status[8] != ' ' {
		return h, errHTTP
	}
	code, err := strconv.Atoi(string(status[9:12]))
	if err != nil || code < 100 || code > 999 {
		return h, errHTTP
	}
	h.status = code
	h.close = status[7] == '0' // HTTP/1.0 closes unless it says keep-alive
	for rest := lines[eol+2:]; len(rest) > 0; {
		eol := bytes.Index(rest, []byte("\r\n"))
		line := rest[:eol]
		rest = rest[eol+2:]
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return h, errHTTP
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 {
				return h, errHTTP
			}
			h.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			h.chunked = bytes.EqualFold(lastToken(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			for len(value) > 0 { // tokens split by commas, without allocating
				tok, rest, _ := bytes.Cut(value, []byte(","))
				value = rest
				tok = bytes.TrimSpace(tok)
				if bytes.EqualFold(tok, []byte("close")) {
					h.close = true
				} else if bytes.EqualFold(tok, []byte("keep-alive")) {
					h.close = false
				}
			}
		}
	}
	h.headLen = end + 4
	return h, nil
}

func lastToken(v []byte) []byte {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return bytes.TrimSpace(v)
}

// scanChunked returns the length of a complete chunked body (with its
// trailers) at the head of in, or 0 if more bytes are needed.
func scanChunked(in []byte) (int, error) {
	n := 0
	for {
		eol := bytes.Index(in[n:], []byte("\r\n"))
		if eol < 0 {
			if len(in)-n > maxChunkLine {
				return 0, errHTTP
			}
			return 0, nil
		}
		line := in[n : n+eol]
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 || size > 1<<40 {
			return 0, errHTTP
		}
		n += eol + 2
		if size == 0 {
			// trailers end with an empty line
			for {
				eol := bytes.Index(in[n:], []byte("\r\n"))
				if eol < 0 {
					return 0, nil
				}
				n += eol + 2
				if eol == 0 {
					return n, nil
				}
			}
		}
		if int64(len(in)-n) < size+2 {
			return 0, nil
		}
		n += int(size)
		if in[n] != '\r' || in[n+1] != '\n' {
			return 0, errHTTP
		}
		n += 2
	}
}
