package ws

import (
	"fmt"
	"strconv"
	"strings"
)

// Extension is one entry of a Sec-WebSocket-Extensions header: a name and
// its parameters in order.
type Extension struct {
	Name   string
	Params []Param
}

// Param is an extension parameter; Value is "" and HasValue false for a
// bare flag such as server_no_context_takeover.
type Param struct {
	Name     string
	Value    string
	HasValue bool
}

// ParseExtensions parses the values of Sec-WebSocket-Extensions headers
// (each a comma-separated list of `name; param[=value]` entries, values
// possibly quoted) into offers in order. A malformed entry is an error.
func ParseExtensions(values []string) ([]Extension, error) {
	var exts []Extension
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			if strings.TrimSpace(item) == "" {
				continue
			}
			parts := strings.Split(item, ";")
			name := strings.TrimSpace(parts[0])
			if !isToken(name) {
				return nil, fmt.Errorf("ws: extension %q: bad name", strings.TrimSpace(item))
			}
			e := Extension{Name: strings.ToLower(name)}
			for _, p := range parts[1:] {
				k, val, has := strings.Cut(p, "=")
				k = strings.TrimSpace(k)
				val = strings.TrimSpace(val)
				if has && len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
					val = val[1 : len(val)-1]
				}
				if !isToken(k) || (has && !isToken(val)) {
					return nil, fmt.Errorf("ws: extension %s: bad parameter %q", name, strings.TrimSpace(p))
				}
				e.Params = append(e.Params, Param{Name: strings.ToLower(k), Value: val, HasValue: has})
			}
			exts = append(exts, e)
		}
	}
	return exts, nil
}

// DeflateName is permessage-deflate's extension token.
const DeflateName = "permessage-deflate"

// DeflateConfig is what one side wants from permessage-deflate. The zero
// value accepts or offers the extension with context takeover.
type DeflateConfig struct {
	// NoContextTakeover asks that this side compress each message alone
	// (less memory per conn, worse ratio): a server adds
	// server_no_context_takeover to its answer, a client offers
	// client_no_context_takeover.
	NoContextTakeover bool
}

// AcceptDeflate picks, as a server, the first permessage-deflate offer it
// can honour and returns the agreed parameters and the extension to answer
// with in Sec-WebSocket-Extensions. ok is false when there is no offer or
// every offer is declined: offers with unknown, repeated or invalid
// parameters, and offers that need a server window below 15 bits (Go's
// compressor always uses 32 KiB). Call it only when compression is enabled
// on this server: it is negotiated only when both sides ask.
func AcceptDeflate(offers []Extension, cfg DeflateConfig) (p DeflateParams, answer string, ok bool) {
	for _, e := range offers {
		if e.Name != DeflateName {
			continue
		}
		p, ok := parseDeflate(e.Params, true)
		if !ok || (p.ServerMaxWindowBits != 0 && p.ServerMaxWindowBits < 15) {
			continue
		}
		if cfg.NoContextTakeover {
			p.ServerNoContextTakeover = true
		}
		var b strings.Builder
		b.WriteString(DeflateName)
		if p.ServerNoContextTakeover {
			b.WriteString("; server_no_context_takeover")
		}
		if p.ClientNoContextTakeover {
			b.WriteString("; client_no_context_takeover")
		}
		if p.ServerMaxWindowBits != 0 {
			b.WriteString("; server_max_window_bits=15") // RFC 7692 7.1.2.1: answer it
		}
		p.ClientMaxWindowBits = 0 // not answered: the client keeps its choice ≤ 15
		return p, b.String(), true
	}
	return DeflateParams{}, "", false
}

// DeflateOffer returns the permessage-deflate offer a client sends in
// Sec-WebSocket-Extensions. It does not offer client_max_window_bits:
// netplay's compressor cannot shrink its window.
func DeflateOffer(cfg DeflateConfig) string {
	if cfg.NoContextTakeover {
		return DeflateName + "; client_no_context_takeover"
	}
	return DeflateName
}

// ParseDeflateResponse checks, as a client that sent [DeflateOffer], the
// server's Sec-WebSocket-Extensions answer. It returns the agreed
// parameters and whether the extension is on. An extension the client did
// not offer, a repeated or unknown parameter, or client_max_window_bits
// (which was not offered) fails the handshake.
func ParseDeflateResponse(exts []Extension, cfg DeflateConfig) (p DeflateParams, on bool, err error) {
	for _, e := range exts {
		if e.Name != DeflateName {
			return p, false, fmt.Errorf("ws: server answered extension %q, which was not offered", e.Name)
		}
		if on {
			return p, false, fmt.Errorf("ws: server answered %s twice", DeflateName)
		}
		var ok bool
		if p, ok = parseDeflate(e.Params, false); !ok {
			return p, false, fmt.Errorf("ws: server's %s parameters are invalid", DeflateName)
		}
		on = true
	}
	if on && cfg.NoContextTakeover {
		p.ClientNoContextTakeover = true
	}
	return p, on, nil
}

// parseDeflate reads permessage-deflate parameters. In an offer
// client_max_window_bits may come without a value; in an answer it may not
// come at all (netplay never offers it).
func parseDeflate(params []Param, offer bool) (p DeflateParams, ok bool) {
	seen := map[string]bool{}
	for _, q := range params {
		if seen[q.Name] {
			return p, false
		}
		seen[q.Name] = true
		switch q.Name {
		case "server_no_context_takeover":
			if q.HasValue {
				return p, false
			}
			p.ServerNoContextTakeover = true
		case "client_no_context_takeover":
			if q.HasValue {
				return p, false
			}
			p.ClientNoContextTakeover = true
		case "server_max_window_bits":
			bits, ok := windowBits(q)
			if !ok || !q.HasValue {
				return p, false
			}
			p.ServerMaxWindowBits = bits
		case "client_max_window_bits":
			if !offer {
				return p, false
			}
			bits, ok := windowBits(q)
			if !ok {
				return p, false
			}
			p.ClientMaxWindowBits = bits
		default:
			return p, false
		}
	}
	return p, true
}

// windowBits reads a window size of 8-15; no value reads as 15.
func windowBits(q Param) (int, bool) {
	if !q.HasValue {
		return 15, true
	}
	if len(q.Value) > 2 || (len(q.Value) == 2 && q.Value[0] == '0') {
		return 0, false // RFC 7692: no leading zeros
	}
	n, err := strconv.Atoi(q.Value)
	return n, err == nil && n >= 8 && n <= 15
}

// isToken reports whether s is a non-empty HTTP token (RFC 7230 tchar*).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}
