// Package http1 parses and writes HTTP/1.1 messages (RFC 9112) over a byte
// stream, for netplay's HTTP server and client. It is pure Go: it knows
// nothing of Lua or of the reactor.
//
// Two layers:
//
//   - [RequestParser] and [ResponseParser] are incremental event parsers:
//     Next(in) reports a message's head, pieces of its body and its end, and
//     how many bytes of in it consumed. Bytes may arrive one at a time; the
//     parser remembers how far it scanned, so a head arriving in pieces costs
//     O(n). Nothing a peer announces (a Content-Length, a chunk size) is
//     allocated up front: memory is bounded by the limits in [Limits].
//   - [RequestDecoder] and [ResponseDecoder] frame whole messages: Decode(in)
//     returns a request or response with its body read to the end, with the
//     contract of netplay's stream codecs (see package codecs).
//
// Parsing is strict, as RFC 9112 asks of a server: a malformed message is an
// [*Error] carrying the status a server answers with (400, 413, 414, 431,
// 501, 505) and a message naming what was wrong. After an error the
// connection is to be closed: the parser does not resynchronise.
//
// The encoders (AppendRequestLine, AppendStatusLine, AppendField, AppendChunk,
// AppendResponse, AppendRequest) frame outgoing messages with Content-Length
// or chunked transfer coding. They add no Date or Server field: those are a
// server's policy, not framing, and netplay's HTTP server adds them.
//
// Parsers and decoders are not safe for concurrent use: each belongs to one
// connection (its loop goroutine). Their zero values are not ready; use the
// New functions.
package http1
