// Package http1test holds what tests of HTTP/1.1 parsers and servers
// share: RFC 9112's strictness cases with the status each must get, and a
// raw-socket probe that sends bytes to a server and reads its answer.
package http1test

import "strings"

// Case is one malformed (or over-limit) request and the status a server
// must answer it with (and then close the conn).
type Case struct {
	Name   string
	In     string
	Status int
}

// StrictCases are RFC 9112's MUST-level rejections and netplay's default
// limits (8 KiB request line, 32 KiB header, 100 fields, 8 MiB body).
var StrictCases = []Case{
	// 400: field syntax
	{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
	{"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
	{"obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400},
	{"first field line starts with space", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
	{"empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400},
	{"invalid field name", "GET / HTTP/1.1\r\nHost: a\r\nX(a): b\r\n\r\n", 400},
	{"space inside field name", "GET / HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n", 400},
	{"field line without colon", "GET / HTTP/1.1\r\nHost: a\r\nXA\r\n\r\n", 400},
	// 400: Host
	{"missing Host on 1.1", "GET / HTTP/1.1\r\nX: a\r\n\r\n", 400},
	{"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"two Host fields, same value", "GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", 400},
	{"Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
	// 400: Content-Length
	{"CL +5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400},
	{"CL -1", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
	{"CL 0x5", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400},
	{"CL 1 3", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 3\r\n\r\n", 400},
	{"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
	{"CL 5.0", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5.0\r\n\r\nhello", 400},
	{"CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
	{"CL repeated, different", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
	{"CL list, different", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!", 400},
	{"CL list, empty element", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,,5\r\n\r\nhello", 400},
	{"CL with TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"TE with CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
	{"TE on HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	{"chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
	{"empty TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400},
	// 400: chunk syntax
	{"chunk size 0x5", ChunkedPOST("0x5\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size -5", ChunkedPOST("-5\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size +5", ChunkedPOST("+5\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size with leading space", ChunkedPOST(" 5\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size with trailing space", ChunkedPOST("5 \r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size not hex", ChunkedPOST("g\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size empty", ChunkedPOST("\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size overflow", ChunkedPOST("1000000000000000\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size huge overflow", ChunkedPOST("ffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 400},
	{"chunk size bare LF", ChunkedPOST("5\nhello\r\n0\r\n\r\n"), 400},
	{"chunk longer than its size", ChunkedPOST("5\r\nhello!\r\n0\r\n\r\n"), 400},
	{"chunk data without CRLF", ChunkedPOST("5\r\nhello\rX0\r\n\r\n"), 400},
	{"chunk extension with NUL", ChunkedPOST("5;a=\x00\r\nhello\r\n0\r\n\r\n"), 400},
	{"trailer obs-fold", ChunkedPOST("0\r\nX: a\r\n b\r\n\r\n"), 400},
	// 400: NUL, bare CR, bare LF
	{"NUL in field value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400},
	{"NUL in field name", "GET / HTTP/1.1\r\nHost: a\r\nX\x00: b\r\n\r\n", 400},
	{"NUL in target", "GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"NUL in method", "G\x00T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare CR in field value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400},
	{"bare CR in request line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare CR before request line", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare LF ending request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
	{"bare LF ending a field line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
	{"bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
	{"control byte in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400},
	// 400: request line
	{"version HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400},
	{"version HTTP/01.1", "GET / HTTP/01.1\r\nHost: a\r\n\r\n", 400},
	{"version http/1.1", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
	{"version HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
	{"version HTTP/1.1 with trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
	{"no version", "GET /\r\nHost: a\r\n\r\n", 400},
	{"two spaces", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"target not origin-form", "GET a HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"invalid method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"too many empty lines", strings.Repeat("\r\n", 9) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	// 501, 505
	{"TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
	{"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
	{"TE chunked, gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501},
	{"TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501},
	{"TE chunked then gzip line", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
	{"version HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
	{"version HTTP/0.9", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505},
	{"version HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505},
	{"version HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505},
	// 414, 431, 413
	{"request line over 8 KiB", "GET /" + strings.Repeat("a", 8192) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414},
	{"request line over 8 KiB, no end", "GET /" + strings.Repeat("a", 9000), 414},
	{"header over 32 KiB", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 32<<10) + "\r\n\r\n", 431},
	{"header over 32 KiB, no end", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 33<<10), 431},
	{"101 fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: a\r\n", 100) + "\r\n", 431},
	{"101 trailer fields", ChunkedPOST("0\r\n" + strings.Repeat("X: a\r\n", 101) + "\r\n"), 431},
	{"CL over 8 MiB", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8388609\r\n\r\n", 413},
	{"chunked over 8 MiB", ChunkedPOST("7fffff\r\n" + strings.Repeat("a", 0x7fffff) + "\r\n2\r\n"), 413},
}

// ChunkedPOST prefixes body with the head of a chunked POST.
func ChunkedPOST(body string) string {
	return "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body
}
