package ws

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// event is one decoded message as a string, e.g. "text:hello",
// "ping:", "close:1000:bye".
func event(m Message) string {
	if m.Kind == KindClose {
		return fmt.Sprintf("close:%d:%s", m.Code, m.Reason)
	}
	return m.Kind.String() + ":" + string(m.Data)
}

// result is what decoding a stream yields: events, then maybe a close code.
type result struct {
	Events []string
	Code   int // the *CloseError's code; 0 if none
	// AtChunk is the index of the chunk whose arrival produced the error.
	AtChunk int
}

// feed decodes chunks on c the way a runtime does (append, decode until
// more is needed, discard what was consumed), stopping at the first error.
// It fails t when c breaks the Decode contract.
func feed(t testing.TB, c *Conn, chunks [][]byte) result {
	t.Helper()
	var r result
	var buf []byte
	for i, chunk := range chunks {
		buf = append(buf, chunk...)
		for guard := 0; ; guard++ {
			if guard > len(buf)+10 {
				t.Fatalf("Decode loops without progress on %d bytes", len(buf))
			}
			m, n, err := c.Decode(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Decode returned n=%d with %d bytes buffered", n, len(buf))
			}
			if err != nil {
				var ce *CloseError
				if !errors.As(err, &ce) {
					t.Fatalf("Decode error %v (%T) is not a *CloseError", err, err)
				}
				if m.Kind != KindNone {
					t.Fatalf("Decode returned a %s message with error %v", m.Kind, err)
				}
				r.Code, r.AtChunk = ce.Code, i
				return r
			}
			if m.Kind != KindNone {
				if n == 0 {
					t.Fatalf("Decode returned %s without consuming bytes", event(m))
				}
				r.Events = append(r.Events, event(m))
			}
			if m.Kind == KindNone && n == 0 {
				break
			}
			buf = buf[n:]
		}
	}
	return r
}

// splitBy cuts data into chunks whose sizes come from cuts (each byte gives
// 1..maxChunk, cycling); no cuts means one byte per chunk.
func splitBy(data, cuts []byte, maxChunk int) [][]byte {
	var chunks [][]byte
	for i := 0; len(data) > 0; i++ {
		size := 1
		if len(cuts) > 0 {
			size = int(cuts[i%len(cuts)])%maxChunk + 1
		}
		size = min(size, len(data))
		chunks = append(chunks, data[:size])
		data = data[size:]
	}
	return chunks
}

// checkSplit decodes data whole, byte by byte and cut by cuts on fresh
// conns from mk, and fails t unless all give the same events and code.
func checkSplit(t *testing.T, mk func() *Conn, data, cuts []byte) result {
	t.Helper()
	whole := feed(t, mk(), [][]byte{data})
	for _, chunks := range [][][]byte{splitBy(data, nil, 1), splitBy(data, cuts, 97)} {
		got := feed(t, mk(), chunks)
		if !slices.Equal(got.Events, whole.Events) || got.Code != whole.Code {
			t.Fatalf("split into %d chunks: %v code %d; whole stream: %v code %d",
				len(chunks), got.Events, got.Code, whole.Events, whole.Code)
		}
	}
	return whole
}

var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// cf builds a masked frame as a client sends it.
func cf(fin bool, op Opcode, payload string) []byte {
	return AppendFrame(nil, Header{Fin: fin, Op: op, Masked: true, Key: testKey}, []byte(payload))
}

// cfRsv builds a masked frame with RSV bits.
func cfRsv(rsv uint8, op Opcode, payload string) []byte {
	return AppendFrame(nil, Header{Fin: true, Rsv: rsv, Op: op, Masked: true, Key: testKey}, []byte(payload))
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

func closeP(code int, reason string) string {
	return string([]byte{byte(code >> 8), byte(code)}) + reason
}

func server() *Conn { return NewConn(Server, Config{}) }
