package http

import "github.com/netplay-lab/netplay/codecs/http1"

// DefaultMaxRequestsPerConn is nginx's keepalive_requests: after this many
// requests a conn is closed (the last response says "Connection: close").
const DefaultMaxRequestsPerConn = 1000

// KeepAlive decides whether a server keeps a conn open after answering req,
// and which Connection field the response carries:
//
//   - enabled is the server's keep_alives_enabled (srv:set_keep_alives_enabled);
//   - served counts the requests this conn has carried, req included;
//   - maxRequests is max_requests_per_conn (0 means 1000, negative no limit).
//
// It closes when keep-alives are off, when the client asked to close
// ("Connection: close", or HTTP/1.0 without "keep-alive"), or at the
// request limit; then the Connection field is "close". An HTTP/1.0 client
// that asked to keep the conn gets "keep-alive"; HTTP/1.1 needs no field.
func KeepAlive(req *http1.Request, enabled bool, served, maxRequests int) (keep bool, connection string) {
	if maxRequests == 0 {
		maxRequests = DefaultMaxRequestsPerConn
	}
	switch {
	case !enabled, req.Close, maxRequests > 0 && served >= maxRequests:
		return false, "close"
	case req.Minor == 0:
		return true, "keep-alive"
	}
	return true, ""
}
