package bench

import (
	"fmt"
	"net"
	"strings"
)

// target is a parsed Config.URL.
type target struct {
	mode string
	dial string // reactor URL: tcp://host:port or unix:///path
	host string // Host header (http, ws)
	path string // request path (http, ws)
}

// modeNames lists the workloads Run knows, for error messages.
const modeNames = "echo, line, redis, http, ws"

// parseTarget splits raw into what to dial and what to send, and settles the
// mode: an explicit mode wins, else the scheme decides.
func parseTarget(raw, mode string) (target, error) {
	if raw == "" {
		return target{}, fmt.Errorf("bench: no URL (want tcp://host:port, http://host:port/path, ...)")
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "tcp", raw
	}
	t := target{path: "/"}
	defPort := ""
	switch scheme {
	case "tcp", "tcp4", "tcp6":
	case "unix":
		if !strings.HasPrefix(rest, "/") {
			return t, fmt.Errorf("bench: url %q: unix path must be absolute (unix:///path)", raw)
		}
		t.dial, t.host = raw, "localhost"
	case "redis":
		defPort = "6379"
	case "http", "ws":
		defPort = "80"
	case "https", "wss":
		return t, fmt.Errorf("bench: url %q: TLS is not supported (use http:// or ws://)", raw)
	default:
		return t, fmt.Errorf("bench: url %q: unknown scheme %q (want tcp, unix, redis, http or ws)", raw, scheme)
	}
	if t.dial == "" {
		hostport := rest
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			hostport = rest[:i]
			if rest[i] == '/' || rest[i] == '?' {
				t.path = rest[i:]
				if rest[i] == '?' {
					t.path = "/" + rest[i:]
				}
			}
			if (scheme != "http" && scheme != "ws") && strings.Trim(rest[i:], "/") != "" {
				return t, fmt.Errorf("bench: url %q: a %s URL has no path", raw, scheme)
			}
		}
		if i := strings.IndexByte(t.path, '#'); i >= 0 {
			t.path = t.path[:i]
		}
		host, port, err := net.SplitHostPort(hostport)
		if err != nil {
			if defPort == "" {
				return t, fmt.Errorf("bench: url %q: %v", raw, err)
			}
			host, port = strings.Trim(hostport, "[]"), defPort
		}
		if host == "" {
			host = "127.0.0.1"
		}
		t.host = hostport // the Host header names what the URL named
		if strings.HasPrefix(hostport, ":") {
			t.host = host + hostport
		}
		dialScheme := "tcp"
		if strings.HasPrefix(scheme, "tcp") {
			dialScheme = scheme
		}
		t.dial = dialScheme + "://" + net.JoinHostPort(host, port)
	}
	t.mode = mode
	if t.mode == "" {
		switch scheme {
		case "http", "ws", "redis":
			t.mode = scheme
		default:
			t.mode = "echo"
		}
	}
	switch t.mode {
	case "echo", "line", "redis", "http", "ws":
	default:
		return t, fmt.Errorf("bench: unknown mode %q (want %s)", t.mode, modeNames)
	}
	return t, nil
}
