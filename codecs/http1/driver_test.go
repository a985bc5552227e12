package http1

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// outcome is what decoding a stream yields: message summaries, then maybe an
// error with its status.
type outcome struct {
	Msgs   []string
	Status int    // the *Error's status; 0 if none
	Err    string // full error text
}

func summarizeHeader(b *strings.Builder, tag string, h Header) {
	for _, f := range h {
		fmt.Fprintf(b, " %s[%s=%s]", tag, f.Name, f.Value)
	}
}

func summarizeRequest(r *Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s 1.%d", r.Method, r.Target, r.Minor)
	summarizeHeader(&b, "h", r.Header)
	fmt.Fprintf(&b, " cl=%d chunked=%v close=%v continue=%v upgrade=%q body=%q",
		r.ContentLength, r.Chunked, r.Close, r.ExpectContinue, r.Upgrade, r.Body)
	summarizeHeader(&b, "t", r.Trailer)
	return b.String()
}

func summarizeResponse(r *Response) string {
	var b strings.Builder
	fmt.Fprintf(&b, "1.%d %d %q", r.Minor, r.Status, r.Reason)
	summarizeHeader(&b, "h", r.Header)
	fmt.Fprintf(&b, " cl=%d chunked=%v close=%v body=%q", r.ContentLength, r.Chunked, r.Close, r.Body)
	summarizeHeader(&b, "t", r.Trailer)
	return b.String()
}

// decodeStream feeds chunks to a decoder the way a runtime does: append each
// chunk, call decode until it needs more, discard what it consumed. It stops
// at the first error. It fails t when the decoder breaks its contract or
// buffers more than bound bytes while waiting (bound <= 0: no check).
func decodeStream(t testing.TB, decode func([]byte) (string, int, error), chunks [][]byte, bound int) outcome {
	t.Helper()
	var out outcome
	var buf []byte
	for _, chunk := range chunks {
		buf = append(buf, chunk...)
		for guard := 0; ; guard++ {
			if guard > len(buf)+10 {
				t.Fatalf("Decode loops without progress on %d bytes", len(buf))
			}
			msg, n, err := decode(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Decode returned n=%d with %d bytes buffered", n, len(buf))
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				out.Status, out.Err = e.Status, err.Error()
				return out
			}
			if msg != "" {
				out.Msgs = append(out.Msgs, msg)
			}
			// Scribble over what is discarded: a message must not alias it.
			for i := range buf[:n] {
				buf[i] = '#'
			}
			buf = buf[n:]
			if msg == "" && n == 0 {
				break
			}
		}
		if bound > 0 && len(buf) > bound {
			t.Fatalf("%d bytes buffered while waiting for more, bound %d", len(buf), bound)
		}
	}
	return out
}

func requestDecode(lim Limits) func([]byte) (string, int, error) {
	d := NewRequestDecoder(lim)
	return func(in []byte) (string, int, error) {
		r, n, err := d.Decode(in)
		if r == nil {
			return "", n, err
		}
		return summarizeRequest(r), n, err
	}
}

// responseDecode decodes responses; a chunk "<EOF>" stands for the peer's close.
func responseDecode(lim Limits, heads ...bool) func([]byte) (string, int, error) {
	d := NewResponseDecoder(lim)
	i := 0
	return func(in []byte) (string, int, error) {
		if i < len(heads) {
			d.SetHeadRequest(heads[i])
		}
		r, n, err := d.Decode(in)
		if r == nil {
			return "", n, err
		}
		i++
		return summarizeResponse(r), n, err
	}
}

// splitBy cuts data into chunks whose sizes come from cuts (1..maxChunk,
// cycling); no cuts means one byte per chunk.
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

// copyBytes keeps the test's data safe from decodeStream's scribbling.
func copyBytes(b []byte) []byte { return append([]byte(nil), b...) }

// checkSplits decodes data whole, byte by byte and split by cuts, and fails
// t unless all give the same messages and error.
func checkSplits(t testing.TB, mk func() func([]byte) (string, int, error), data, cuts []byte, bound int) outcome {
	t.Helper()
	whole := decodeStream(t, mk(), [][]byte{copyBytes(data)}, bound)
	for _, chunks := range [][][]byte{splitBy(copyBytes(data), nil, 1), splitBy(copyBytes(data), cuts, 97)} {
		got := decodeStream(t, mk(), chunks, bound)
		if !slices.Equal(got.Msgs, whole.Msgs) || got.Err != whole.Err {
			t.Fatalf("split into %d chunks:\n got %+v\nwhole %+v", len(chunks), got, whole)
		}
	}
	return whole
}
