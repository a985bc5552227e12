// Package http is netplay's HTTP/1.1 module: the keep-alive server and the
// pooled client behind the Lua module `http`, with Go net/http's option
// names and defaults.
//
// This file set holds the parts that need no Lua: the keep-alive decision
// ([KeepAlive]), the per-conn deadline bookkeeping ([ConnTimer]), the
// client's idle-conn pool with Go Transport semantics ([Pool]), the retry
// rule ([ShouldRetry]) and the trace line ([TraceLine]). Parsing and framing
// live in codecs/http1.
package http
