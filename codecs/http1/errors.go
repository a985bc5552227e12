package http1

import (
	"fmt"
	"strconv"
)

// Error is what every parse failure returns: the status a server answers
// with and what was wrong. Error() reads like
// `http1: 400 Bad Request: whitespace between field name "Host" and ':'`.
// When a response (on the client side) breaks a rule, Status says which
// kind of rule it was (400 malformed, 413 body limit, 431 header limits,
// 501 unsupported coding, 505 version); the client reports it as an error.
type Error struct {
	Status int    // 400, 413, 414, 431, 501 or 505
	Msg    string // what was wrong, naming the limit or the offending bytes
}

// Error returns "http1: <status> <reason>: <msg>".
func (e *Error) Error() string {
	return "http1: " + strconv.Itoa(e.Status) + " " + StatusText(e.Status) + ": " + e.Msg
}

func errf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// badRequest is a 400 error.
func badRequest(format string, args ...any) *Error { return errf(400, format, args...) }

// describe names a byte that is not allowed where it was found.
func describe(b byte) string {
	switch b {
	case 0:
		return "NUL"
	case '\r':
		return "bare CR"
	case '\n':
		return "bare LF"
	case ' ':
		return "space"
	case '\t':
		return "tab"
	}
	if b < 0x20 || b == 0x7f {
		return fmt.Sprintf("control byte 0x%02x", b)
	}
	return fmt.Sprintf("byte %q", b)
}

var statusText = map[int]string{
	100: "Continue", 101: "Switching Protocols",
	200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
	204: "No Content", 205: "Reset Content", 206: "Partial Content",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
	304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
	409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed",
	413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
	416: "Range Not Satisfiable", 417: "Expectation Failed", 418: "I'm a teapot",
	421: "Misdirected Request", 422: "Unprocessable Content", 426: "Upgrade Required",
	428: "Precondition Required", 429: "Too Many Requests",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

// StatusText returns the RFC 9110 reason phrase for a status code, or ""
// when netplay does not know the code.
func StatusText(code int) string { return statusText[code] }
