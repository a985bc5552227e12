package ws

import (
	crand "crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// keyGUID is RFC 6455's fixed GUID appended to Sec-WebSocket-Key.
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey returns Sec-WebSocket-Accept for a client's Sec-WebSocket-Key:
// base64(SHA-1(key + GUID)).
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + keyGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 random bytes in base64.
func NewKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// HandshakeError is an opening handshake refused by the server side: the
// HTTP status to answer with and why. A bad Sec-WebSocket-Version is 426
// and the answer names the version netplay speaks.
type HandshakeError struct {
	Status int // 400, 405 or 426
	Msg    string
}

// Error returns "ws: handshake: <status> <msg>".
func (e *HandshakeError) Error() string {
	return fmt.Sprintf("ws: handshake: %d %s", e.Status, e.Msg)
}

// AppendResponse appends the HTTP response refusing the handshake: the
// status, "Sec-WebSocket-Version: 13" for 426, and Msg as a text body.
func (e *HandshakeError) AppendResponse(dst []byte) []byte {
	text := map[int]string{400: "Bad Request", 405: "Method Not Allowed", 426: "Upgrade Required"}[e.Status]
	dst = append(dst, "HTTP/1.1 "+strconv.Itoa(e.Status)+" "+text+"\r\n"...)
	if e.Status == 426 {
		dst = append(dst, "Sec-WebSocket-Version: 13\r\n"...)
	}
	if e.Status == 405 {
		dst = append(dst, "Allow: GET\r\n"...)
	}
	body := e.Msg + "\n"
	dst = append(dst, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"...)
	return append(dst, body...)
}

// Upgrade is a validated upgrade request.
type Upgrade struct {
	Key        string      // Sec-WebSocket-Key
	Protocols  []string    // Sec-WebSocket-Protocol offers, in the client's order
	Extensions []Extension // Sec-WebSocket-Extensions offers
}

// CheckUpgrade validates an opening handshake request (RFC 6455 section
// 4.2.1): method GET, "Upgrade: websocket", a Connection header with the
// "upgrade" token, a Sec-WebSocket-Key of 16 bytes in base64, and
// Sec-WebSocket-Version 13. A refusal is a *HandshakeError (426 for the
// version, 405 for the method, 400 otherwise).
func CheckUpgrade(method string, h HeaderValues) (*Upgrade, error) {
	if method != "GET" {
		return nil, &HandshakeError{405, "websocket: method " + method + " is not GET"}
	}
	if !hasToken(h.Values("Upgrade"), "websocket") {
		return nil, &HandshakeError{400, "websocket: no 'Upgrade: websocket' header"}
	}
	if !hasToken(h.Values("Connection"), "upgrade") {
		return nil, &HandshakeError{400, "websocket: no 'Connection: Upgrade' header"}
	}
	if vs := h.Values("Sec-WebSocket-Version"); len(vs) != 1 || strings.TrimSpace(vs[0]) != "13" {
		return nil, &HandshakeError{426, "websocket: Sec-WebSocket-Version must be 13, got " + strconv.Quote(strings.Join(vs, ", "))}
	}
	keys := h.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return nil, &HandshakeError{400, "websocket: want one Sec-WebSocket-Key header"}
	}
	key := strings.TrimSpace(keys[0])
	if raw, err := base64.StdEncoding.DecodeString(key); err != nil || len(raw) != 16 {
		return nil, &HandshakeError{400, "websocket: Sec-WebSocket-Key is not 16 bytes in base64"}
	}
	exts, err := ParseExtensions(h.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return nil, &HandshakeError{400, err.Error()}
	}
	return &Upgrade{Key: key, Protocols: splitList(h.Values("Sec-WebSocket-Protocol")), Extensions: exts}, nil
}

// SelectSubprotocol returns the first of the server's supported
// subprotocols that the client offered (the server's preference wins, as
// in gorilla/websocket), or "" when none matches. Names compare exactly.
func SelectSubprotocol(offered, supported []string) string {
	for _, s := range supported {
		for _, o := range offered {
			if s == o {
				return s
			}
		}
	}
	return ""
}

// AppendAccept appends the 101 response accepting an upgrade whose
// Sec-WebSocket-Key was key; protocol and extensions ("" for none) become
// Sec-WebSocket-Protocol and Sec-WebSocket-Extensions.
func AppendAccept(dst []byte, key, protocol, extensions string) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, AcceptKey(key)...)
	dst = append(dst, "\r\n"...)
	if protocol != "" {
		dst = append(dst, "Sec-WebSocket-Protocol: "+protocol+"\r\n"...)
	}
	if extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "+extensions+"\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// ClientRequest is what a client's opening handshake asks for.
type ClientRequest struct {
	Host       string   // Host header: "127.0.0.1:9000"
	Path       string   // request target; "" means "/"
	Key        string   // from NewKey
	Protocols  []string // Sec-WebSocket-Protocol offers, preferred first
	Extensions string   // Sec-WebSocket-Extensions, e.g. DeflateOffer(…)
	Header     []Field  // extra fields
}

// AppendRequest appends the client's opening handshake request.
func AppendRequest(dst []byte, r ClientRequest) []byte {
	path := r.Path
	if path == "" {
		path = "/"
	}
	dst = append(dst, "GET "+path+" HTTP/1.1\r\nHost: "+r.Host+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+r.Key+"\r\nSec-WebSocket-Version: 13\r\n"...)
	if len(r.Protocols) > 0 {
		dst = append(dst, "Sec-WebSocket-Protocol: "+strings.Join(r.Protocols, ", ")+"\r\n"...)
	}
	if r.Extensions != "" {
		dst = append(dst, "Sec-WebSocket-Extensions: "+r.Extensions+"\r\n"...)
	}
	for _, f := range r.Header {
		dst = append(dst, f.Name+": "+f.Value+"\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// CheckResponse validates the server's answer to a request sent with key
// and offering protocols: status 101, the Upgrade and Connection headers,
// Sec-WebSocket-Accept, and a Sec-WebSocket-Protocol that was offered. It
// returns the chosen subprotocol ("" for none) and the answered extensions
// (check them with [ParseDeflateResponse]).
func CheckResponse(h *Head, key string, protocols []string) (protocol string, exts []Extension, err error) {
	if h.Status != 101 {
		return "", nil, fmt.Errorf("ws: handshake: server answered %d %s, not 101", h.Status, h.Reason)
	}
	if !hasToken(h.Values("Upgrade"), "websocket") || !hasToken(h.Values("Connection"), "upgrade") {
		return "", nil, fmt.Errorf("ws: handshake: 101 without Upgrade: websocket and Connection: Upgrade")
	}
	if got, want := h.Get("Sec-WebSocket-Accept"), AcceptKey(key); got != want {
		return "", nil, fmt.Errorf("ws: handshake: Sec-WebSocket-Accept %q, want %q", got, want)
	}
	if p := splitList(h.Values("Sec-WebSocket-Protocol")); len(p) > 1 {
		return "", nil, fmt.Errorf("ws: handshake: server chose %d subprotocols", len(p))
	} else if len(p) == 1 {
		protocol = p[0]
		if SelectSubprotocol(protocols, p) == "" {
			return "", nil, fmt.Errorf("ws: handshake: server chose subprotocol %q, which was not offered", protocol)
		}
	}
	exts, err = ParseExtensions(h.Values("Sec-WebSocket-Extensions"))
	return protocol, exts, err
}

// hasToken reports whether a comma-separated header list holds token,
// compared case-insensitively.
func hasToken(values []string, token string) bool {
	for _, v := range splitList(values) {
		if strings.EqualFold(v, token) {
			return true
		}
	}
	return false
}

// splitList splits comma-separated header values into trimmed items.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}
