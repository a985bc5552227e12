package codec

import (
	"strconv"
	"strings"

	"github.com/netplay-lab/netplay/codecs"
)

// Describer is an optional Framer method: a one-line summary of one
// frame for the traffic tap (net.tap, trace = true), such as
// "RESP [SET k v]". It runs on a loop or VM goroutine and must not keep
// frame; "" means nothing better than the bytes themselves.
type Describer interface {
	Describe(frame []byte) string
}

// Describe summarizes frame with f's Describer, or returns "".
func Describe(f Framer, frame []byte) string {
	if d, ok := f.(Describer); ok {
		return d.Describe(frame)
	}
	return ""
}

// maxDescribe bounds a summary: long values are cut, with "…".
const maxDescribe = 80

// Describe shows a RESP frame as its type and value: arrays as
// "RESP [SET k v]", errors as "RESP -ERR …", others as "RESP +OK".
func (f *respFramer) Describe(frame []byte) string {
	v, err := codecs.ParseRESP(frame)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("RESP ")
	describeRESP(&sb, v, 0)
	s := sb.String()
	if len(s) > maxDescribe {
		s = s[:maxDescribe] + "…"
	}
	return s
}

func describeRESP(sb *strings.Builder, v codecs.RESPValue, depth int) {
	if sb.Len() > maxDescribe {
		return
	}
	switch {
	case v.Null || v.Type == 0:
		sb.WriteString("nil")
	case v.Type == '*':
		sb.WriteByte('[')
		for i, e := range v.Array {
			if i > 0 {
				sb.WriteByte(' ')
			}
			if depth > 4 || sb.Len() > maxDescribe {
				sb.WriteString("…")
				break
			}
			describeRESP(sb, e, depth+1)
		}
		sb.WriteByte(']')
	case v.Type == ':':
		sb.WriteString(strconv.FormatInt(v.Int, 10))
	case v.Type == '$':
		if depth == 0 {
			sb.WriteByte('$')
		}
		writeWord(sb, string(v.Str))
	default: // '+', '-'
		sb.WriteByte(v.Type)
		sb.WriteString(printable(string(v.Str)))
	}
}

// writeWord writes s bare when it is a plain word, else quoted.
func writeWord(sb *strings.Builder, s string) {
	if s != "" && !strings.ContainsAny(s, " \"") && printable(s) == s {
		sb.WriteString(s)
		return
	}
	sb.WriteString(strconv.Quote(s))
}

// printable replaces control bytes and invalid UTF-8 so a summary stays on
// one line.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return '.'
		}
		return r
	}, s)
}
