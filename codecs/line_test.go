package codecs

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestLineNettyCases(t *testing.T) {
	tests := []struct {
		name   string
		opts   LineOptions
		chunks []string
		want   []string // frames; "!" + error text for an error
	}{
		{name: "strip", chunks: []string{"first\r\nsecond\nthird"},
			want: []string{"first", "second"}},
		{name: "keep delimiter", opts: LineOptions{KeepDelimiter: true}, chunks: []string{"first\r\nsecond\nthird"},
			want: []string{"first\r\n", "second\n"}},
		{name: "splits correctly", chunks: []string{"line\r\n.\r\n"}, want: []string{"line", "."}},
		{name: "fragmented", chunks: []string{"huu", "haa\r", "\n"}, want: []string{"huuhaa"}},
		{name: "empty lines", chunks: []string{"\nabcna\r\n\r\n"}, want: []string{"", "abcna", ""}},
		{name: "lone CR stays in the line", chunks: []string{"a\rb\n"}, want: []string{"a\rb"}},
		{name: "too long line, not fail fast", opts: LineOptions{MaxLength: 16, KeepDelimiter: true, NoFailFast: true},
			chunks: []string{"12345678901234567890\r\nfirst\nsecond"},
			want:   []string{"!too_long_frame: 20 > max_length 16", "first\n"}},
		{name: "too long line in two reads, not fail fast", opts: LineOptions{MaxLength: 16, KeepDelimiter: true, NoFailFast: true},
			chunks: []string{"12345678901234567", "890\r\nfirst\r\n"},
			want:   []string{"!too_long_frame: 20 > max_length 16", "first\r\n"}},
		{name: "too long line, fail fast", opts: LineOptions{MaxLength: 16, KeepDelimiter: true},
			chunks: []string{"12345678", "901234567", "890\r\nfirst\r\n"},
			want:   []string{"!too_long_frame: 17 > max_length 16", "first\r\n"}},
		{name: "exactly max length", opts: LineOptions{MaxLength: 4}, chunks: []string{"abcd\r\nabcde\n"},
			want: []string{"abcd", "!too_long_frame: 5 > max_length 4"}},
		{name: "CR before LF does not count", opts: LineOptions{MaxLength: 4}, chunks: []string{"abcd\r", "\n"},
			want: []string{"abcd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nettyDrive(t, Line(tt.opts).New(), tt.chunks...)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLineDefaultLimit(t *testing.T) {
	s := Line(LineOptions{})
	ok := strings.Repeat("x", 65536) + "\n"
	if got := decodeAll(t, s, []byte(ok)); len(got.Frames) != 1 || got.Err != "" {
		t.Fatalf("a 65536-byte line: %d frames, error %q", len(got.Frames), got.Err)
	}
	long := []byte(strings.Repeat("x", 70000) + "\n")
	got := decodeAll(t, s, long)
	if want := "too_long_frame: 70000 > max_length 65536"; got.Err != want || !IsTooLong(&FrameError{Kind: got.Kind}) {
		t.Fatalf("a 70000-byte line: error %q, want %q", got.Err, want)
	}
	// Fail fast: the error comes before the delimiter, with what was seen.
	got = decodeChunks(t, s.New(), [][]byte{long[:65537]}, 0)
	if want := "too_long_frame: 65537 > max_length 65536"; got.Err != want {
		t.Fatalf("65537 bytes without a newline: error %q, want %q", got.Err, want)
	}
}

func TestLineSplitInvariance(t *testing.T) {
	streams := []string{"ab\ncd\r\n\r\nx", "abcde\nab\r\n", "abc\r\r\n\n", "abcdef\r\nab\n", "\r\r\r\n\n"}
	for _, o := range []LineOptions{{MaxLength: 4}, {MaxLength: 4, KeepDelimiter: true}, {MaxLength: 4, NoFailFast: true}, {MaxLength: 3, NoFailFast: true, KeepDelimiter: true}} {
		for _, s := range streams {
			checkAllSplits(t, Line(o), []byte(s), o.NoFailFast)
		}
	}
}

// TestLineScanIsLinear checks that a long line arriving in small pieces is
// searched once, not once per piece.
func TestLineScanIsLinear(t *testing.T) {
	const size, piece = 1 << 20, 1 << 10
	c := Line(LineOptions{MaxLength: 2 << 20}).New().(*lineCodec)
	line := append(bytes.Repeat([]byte("y"), size), '\n')
	got := decodeChunks(t, c, pieces(line, piece), 0)
	if len(got.Frames) != 1 || len(got.Frames[0]) != size {
		t.Fatalf("got %d frames, want one of %d bytes", len(got.Frames), size)
	}
	if c.scanned > size+piece {
		t.Fatalf("searched %d bytes for a %d-byte line", c.scanned, size)
	}
}

func TestLineEncode(t *testing.T) {
	got, err := Line(LineOptions{}).New().Encode([]byte("a\n"), []byte("hello"))
	if err != nil || string(got) != "a\nhello\n" {
		t.Fatalf("Encode = %q, %v", got, err)
	}
}

func FuzzLine(f *testing.F) {
	f.Add([]byte("first\r\nsecond\nthird\n"), []byte{3, 1, 4}, uint8(8), uint8(0))
	f.Add([]byte("12345678901234567890\r\nfirst\n"), []byte{16, 2}, uint8(16), uint8(2))
	f.Add([]byte("abc\r\r\n\r\n\n"), []byte{}, uint8(3), uint8(3))
	f.Fuzz(func(t *testing.T, data, cuts []byte, maxLen, flags uint8) {
		o := LineOptions{MaxLength: int(maxLen)%64 + 1, KeepDelimiter: flags&1 != 0, NoFailFast: flags&2 != 0}
		checkSplitInvariance(t, Line(o), data, cuts, o.MaxLength+2, o.NoFailFast)
	})
}

func BenchmarkLine(b *testing.B) {
	line := strings.Repeat("z", 62) + "\r\n"
	benchDecode(b, Line(LineOptions{}), []byte(strings.Repeat(line, 1000)), 1000)
}
