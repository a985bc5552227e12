package codecs

import (
	"errors"
	"slices"
	"testing"
)

// outcome is what decoding a byte stream yields: frames, then maybe an error.
type outcome struct {
	Frames []string
	Err    string // full error text; "" if none
	Kind   string // FrameError kind; "" if none
}

// decodeChunks feeds chunks to c the way the runtime does: append each chunk to
// a buffer, call Decode until it needs more, discard what was consumed. It stops
// at the first error, as the runtime closes the conn. It fails t when the codec
// breaks the Decode contract, or when more than bound bytes stay buffered
// while the codec waits for more (bound <= 0: no check).
func decodeChunks(t testing.TB, c Codec, chunks [][]byte, bound int) outcome {
	t.Helper()
	var out outcome
	var buf []byte // buf[start:] is buffered; consumed bytes are compacted away lazily
	start := 0
	for _, chunk := range chunks {
		if start > len(buf)/2 {
			buf = append(buf[:0], buf[start:]...)
			start = 0
		}
		buf = append(buf, chunk...)
		limit := len(buf) - start + 10 // each round but the last consumes a byte
		for guard := 0; ; guard++ {
			if guard > limit {
				t.Fatalf("Decode loops without progress on %d buffered bytes", len(buf)-start)
			}
			in := buf[start:]
			frame, n, err := c.Decode(in)
			if n < 0 || n > len(in) {
				t.Fatalf("Decode returned n=%d with %d bytes buffered", n, len(in))
			}
			if err != nil {
				var fe *FrameError
				if !errors.As(err, &fe) {
					t.Fatalf("Decode error %v (%T) is not a *FrameError", err, err)
				}
				if frame != nil {
					t.Fatalf("Decode returned a frame with error %v", err)
				}
				out.Err, out.Kind = err.Error(), fe.Kind
				return out
			}
			if frame != nil {
				if n == 0 {
					t.Fatalf("Decode returned frame %q without consuming bytes", frame)
				}
				out.Frames = append(out.Frames, string(frame))
			}
			if frame == nil && n == 0 {
				break
			}
			start += n
		}
		if bound > 0 && len(buf)-start > bound {
			t.Fatalf("%d bytes buffered while waiting for more, bound %d", len(buf)-start, bound)
		}
	}
	return out
}

// decodeAll decodes data as one chunk.
func decodeAll(t testing.TB, s Spec, data []byte) outcome {
	t.Helper()
	return decodeChunks(t, s.New(), [][]byte{data}, 0)
}

// splitBy cuts data into chunks whose sizes come from cuts (each byte gives a
// size of 1..maxChunk, cycling); no cuts means one byte per chunk.
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

// pieces cuts data into chunks of size bytes (the last may be shorter).
func pieces(data []byte, size int) [][]byte {
	var chunks [][]byte
	for len(data) > size {
		chunks = append(chunks, data[:size])
		data = data[size:]
	}
	return append(chunks, data)
}

// checkSplitInvariance decodes data whole, byte by byte and split by cuts, and
// fails t unless all three give the same frames and error. With exactErr false
// only the error kinds are compared (a fail-fast line error reports how much of
// the line had arrived).
func checkSplitInvariance(t *testing.T, s Spec, data, cuts []byte, bound int, exactErr bool) outcome {
	t.Helper()
	whole := decodeChunks(t, s.New(), [][]byte{data}, bound)
	for _, chunks := range [][][]byte{splitBy(data, nil, 1), splitBy(data, cuts, 97)} {
		got := decodeChunks(t, s.New(), chunks, bound)
		if !slices.Equal(got.Frames, whole.Frames) {
			t.Fatalf("split into %d chunks: frames %q, whole stream: %q", len(chunks), got.Frames, whole.Frames)
		}
		if got.Kind != whole.Kind || (exactErr && got.Err != whole.Err) {
			t.Fatalf("split into %d chunks: error %q, whole stream: %q", len(chunks), got.Err, whole.Err)
		}
	}
	return whole
}

// nettyDrive feeds chunks like a Netty pipeline that keeps going after an
// error: each error is recorded as "!kind" among the frames, its n bytes are
// dropped and decoding continues.
func nettyDrive(t testing.TB, c Codec, chunks ...string) []string {
	t.Helper()
	var got []string
	var buf []byte
	for _, chunk := range chunks {
		buf = append(buf, chunk...)
		for guard := 0; guard < 1000; guard++ {
			frame, n, err := c.Decode(buf)
			if err != nil {
				got = append(got, "!"+err.Error())
			} else if frame != nil {
				got = append(got, string(frame))
			} else if n == 0 {
				break
			}
			buf = buf[n:]
		}
	}
	return got
}

// allSplits calls fn with every way of cutting data into chunks (data must be
// short: there are 2^(len-1) of them).
func allSplits(data []byte, fn func(chunks [][]byte)) {
	if len(data) == 0 {
		fn(nil)
		return
	}
	for mask := 0; mask < 1<<(len(data)-1); mask++ {
		var chunks [][]byte
		start := 0
		for i := 1; i < len(data); i++ {
			if mask&(1<<(i-1)) != 0 {
				chunks = append(chunks, data[start:i])
				start = i
			}
		}
		fn(append(chunks, data[start:]))
	}
}

// checkAllSplits checks that every split of data decodes like the whole.
func checkAllSplits(t *testing.T, s Spec, data []byte, exactErr bool) {
	t.Helper()
	whole := decodeAll(t, s, data)
	allSplits(data, func(chunks [][]byte) {
		got := decodeChunks(t, s.New(), chunks, 0)
		if !slices.Equal(got.Frames, whole.Frames) || got.Kind != whole.Kind || (exactErr && got.Err != whole.Err) {
			t.Fatalf("%q split as %q: got %+v, whole stream %+v", data, chunks, got, whole)
		}
	})
}

// benchDecode decodes stream, which holds frames frames, b.N times over.
func benchDecode(b *testing.B, s Spec, stream []byte, frames int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	c := s.New()
	b.ResetTimer()
	for b.Loop() {
		in := stream
		got := 0
		for {
			frame, n, err := c.Decode(in)
			if err != nil {
				b.Fatal(err)
			}
			if frame != nil {
				got++
			} else if n == 0 {
				break
			}
			in = in[n:]
		}
		if got != frames {
			b.Fatalf("decoded %d frames, want %d", got, frames)
		}
	}
	b.ReportMetric(float64(b.N)*float64(frames)/b.Elapsed().Seconds(), "frames/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(frames), "ns/frame")
}
