package reactor

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// ParseURL splits a netplay address URL into a network and an address for
// that network. Accepted forms are tcp://host:port, tcp4://, tcp6://,
// udp://, udp4://, udp6:// and unix:///absolute/path. A missing host
// (tcp://:9000) means 127.0.0.1, so a playground never opens a port to the
// world by accident; 0.0.0.0 or [::] must be written out (IsUnspecified
// recognises every spelling of them, so a caller can warn).
// ParseURL is safe for concurrent use.
func ParseURL(s string) (network, address string, err error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", "", fmt.Errorf("reactor: parse url %q: missing scheme (want tcp://host:port, udp://host:port or unix:///path)", s)
	}
	switch scheme {
	case "unix":
		if !strings.HasPrefix(rest, "/") {
			return "", "", fmt.Errorf("reactor: parse url %q: unix path must be absolute (unix:///path)", s)
		}
		return "unix", rest, nil
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return "", "", fmt.Errorf("reactor: parse url %q: unknown scheme %q", s, scheme)
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if strings.Trim(rest[i:], "/") != "" {
			return "", "", fmt.Errorf("reactor: parse url %q: unexpected path or query", s)
		}
		rest = rest[:i]
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return "", "", fmt.Errorf("reactor: parse url %q: %w", s, err)
	}
	if port == "" {
		return "", "", fmt.Errorf("reactor: parse url %q: missing port", s)
	}
	if host == "" {
		host = "127.0.0.1"
		if strings.HasSuffix(scheme, "6") {
			host = "::1"
		}
	}
	return scheme, net.JoinHostPort(host, port), nil
}

// IsUnspecified reports whether listening on url binds every interface:
// its host is an unspecified IP in any spelling (0.0.0.0, [::], [::0],
// [0:0:0:0:0:0:0:0], [::ffff:0.0.0.0], with or without a zone). url is a
// netplay URL as ParseURL takes it, or a bare host:port read as tcp://
// host:port; a missing host means 127.0.0.1 (ParseURL), so tcp://:9000 is
// not unspecified. Host names are not resolved and report false: pass
// Listener.URL(), which holds the bound address, to check a listener whose
// URL named a host. Unix URLs and unparsable input report false.
// IsUnspecified is safe for concurrent use.
func IsUnspecified(url string) bool {
	if !strings.Contains(url, "://") {
		url = "tcp://" + url
	}
	network, address, err := ParseURL(url)
	if err != nil || network == "unix" {
		return false
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return ip.WithZone("").Unmap().IsUnspecified()
}
