// Package tap is netplay's traffic tap: every chunk a conn reads or writes
// becomes an Event, which a Tap hands to its sinks — hexdump lines for the
// shell (net.tap, :tap) and pcap files that tshark and Wireshark read.
package tap

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Dir says which way a chunk went, seen from netplay.
type Dir uint8

const (
	In  Dir = iota // the peer sent it; netplay read it
	Out            // netplay wrote it to the peer
)

// String returns "<" for In and ">" for Out, the arrows of the trace lines.
func (d Dir) String() string {
	if d == In {
		return "<"
	}
	return ">"
}

// Event is one chunk of bytes on one conn. The zero value is an empty
// inbound chunk on conn 0 at the zero time.
type Event struct {
	Time    time.Time
	Dir     Dir
	ConnID  uint64
	Network string         // "tcp", "udp", "unix" (as reactor.ParseURL names them)
	Local   netip.AddrPort // netplay's side; invalid for unix conns
	Remote  netip.AddrPort // the peer's side; invalid for unix conns
	Data    []byte         // the bytes; a sink must not keep it after Write returns
	Frame   string         // the decoded frame when a codec knows one ("RESP [SET k v]"), else ""
	// WS says the conn speaks WebSocket once its HTTP head is done (a ws
	// module's conn): a chunk that is not an HTTP head is read as frames
	// even when the tap did not see the 101 (attached mid-stream).
	WS bool
}

// Line formats ev as one trace line: time, direction, conn, peer, length
// and the decoded frame or a printable preview; Hexdump adds the bytes.
func Line(ev Event) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s conn %d", ev.Time.Format("15:04:05.000000"), ev.Dir, ev.ConnID)
	if ev.Remote.IsValid() {
		fmt.Fprintf(&sb, " %s", ev.Remote)
	}
	fmt.Fprintf(&sb, " %d B", len(ev.Data))
	if ev.Frame != "" {
		fmt.Fprintf(&sb, "  %s", ev.Frame)
	} else if len(ev.Data) > 0 {
		fmt.Fprintf(&sb, "  %s", Preview(ev.Data, 48))
	}
	return sb.String()
}

// Preview quotes at most n bytes of b as a Lua-style string literal:
// printable ASCII as is, \r \n \t and other bytes escaped, "…" when cut.
func Preview(b []byte, n int) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for i, c := range b {
		if i == n {
			sb.WriteString(`"…`)
			return sb.String()
		}
		switch {
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// Hexdump returns b as lines of 16 bytes: offset, hex in two groups of 8,
// and the printable bytes, each line indented by two spaces.
func Hexdump(b []byte) string {
	var sb strings.Builder
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		fmt.Fprintf(&sb, "  %08x ", off)
		for i := 0; i < 16; i++ {
			if i == 8 {
				sb.WriteByte(' ')
			}
			if i < len(row) {
				fmt.Fprintf(&sb, " %02x", row[i])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteString("  |")
		for _, c := range row {
			if c >= 0x20 && c < 0x7f {
				sb.WriteByte(c)
			} else {
				sb.WriteByte('.')
			}
		}
		sb.WriteString("|\n")
	}
	return sb.String()
}

// isText reports whether b reads as text (valid UTF-8 without control bytes
// other than \r \n \t), so a sink may skip the hexdump.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
