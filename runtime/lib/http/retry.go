package http

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrServerClosedIdle is the error of a request whose reused conn the server
// closed while it idled, when the request may not be retried (Go's text).
var ErrServerClosedIdle = errors.New("http: server closed idle connection")

// Idempotent reports whether a request may be sent twice, as Go's
// Request.isReplayable says: GET, HEAD, OPTIONS and TRACE, or any method
// with an Idempotency-Key or X-Idempotency-Key field.
func Idempotent(method string, hasIdempotencyKey bool) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return hasIdempotencyKey
}

// ShouldRetry is Go Transport's rule for a request that failed because its
// conn closed before any byte of a response arrived: send it again, once,
// on a new conn only when the conn was reused (a fresh conn failing is a
// real error) and either no byte of the request was written or the request
// is idempotent. retried says it already was.
func ShouldRetry(reused, wroteAny, gotResponseBytes, idempotent, retried bool) bool {
	if retried || !reused || gotResponseBytes {
		return false
	}
	return !wroteAny || idempotent
}

// ConnInfo is what a response tells about the conn that carried it
// (res.reused, res.was_idle, res.idle_time, res.conn_id, res.local).
type ConnInfo struct {
	ID       uint64
	Local    string // the client's address, e.g. "127.0.0.1:53412"
	Reused   bool
	WasIdle  bool
	IdleTime time.Duration
}

// TraceLine is the line `trace = true` prints for one request, e.g.
// "GET http://127.0.0.1:8080/ → 200, conn 3 reused after 1.2 s idle".
// err, when not nil, replaces the status.
func TraceLine(method, url string, status int, err error, ci ConnInfo) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(' ')
	b.WriteString(url)
	b.WriteString(" → ")
	if err != nil {
		b.WriteString("error: ")
		b.WriteString(err.Error())
	} else {
		b.WriteString(strconv.Itoa(status))
	}
	if ci.ID == 0 {
		return b.String()
	}
	b.WriteString(", conn ")
	b.WriteString(strconv.FormatUint(ci.ID, 10))
	switch {
	case ci.WasIdle:
		b.WriteString(" reused after ")
		b.WriteString(strconv.FormatFloat(ci.IdleTime.Seconds(), 'f', 1, 64))
		b.WriteString(" s idle")
	case ci.Reused:
		b.WriteString(" reused")
	default:
		b.WriteString(" new")
	}
	return b.String()
}
