package codecs

import (
	"slices"
	"strings"
	"testing"
)

func delims(ds ...string) [][]byte {
	out := make([][]byte, len(ds))
	for i, d := range ds {
		out[i] = []byte(d)
	}
	return out
}

func TestDelimiterNettyCases(t *testing.T) {
	lineDelims := delims("\r\n", "\n")
	nul := delims("\x00")
	tests := []struct {
		name   string
		delims [][]byte
		opts   DelimiterOptions
		chunks []string
		want   []string // frames; "!" + error text for an error
	}{
		{name: "multiple lines stripped", delims: lineDelims, chunks: []string{"TestLine\r\ng\r\n"},
			want: []string{"TestLine", "g"}},
		{name: "incomplete lines stripped", delims: lineDelims, chunks: []string{"Test", "Line\r\ng\r\n"},
			want: []string{"TestLine", "g"}},
		{name: "multiple lines kept", delims: lineDelims, opts: DelimiterOptions{KeepDelimiter: true},
			chunks: []string{"TestLine\r\ng\r\n"}, want: []string{"TestLine\r\n", "g\r\n"}},
		{name: "shortest frame wins (javadoc)", delims: lineDelims, chunks: []string{"ABC\nDEF\r\n"},
			want: []string{"ABC", "DEF"}},
		{name: "shortest frame wins, general set", delims: delims("END", "|"), chunks: []string{"a|bEND|c|"},
			want: []string{"a", "b", "", "c"}},
		{name: "first delimiter wins a tie", delims: delims("ab", "a"), opts: DelimiterOptions{KeepDelimiter: true},
			chunks: []string{"xaby"}, want: []string{"xab"}},
		{name: "fail slow too long frame recovery", delims: nul, opts: DelimiterOptions{MaxLength: 1, NoFailFast: true},
			chunks: []string{"\x01\x02", "\x00", "A\x00", "\x01\x02", "\x00", "A\x00"},
			want:   []string{"!too_long_frame: 2 > max_length 1", "A", "!too_long_frame: 2 > max_length 1", "A"}},
		{name: "fail fast too long frame recovery", delims: nul, opts: DelimiterOptions{MaxLength: 1},
			chunks: []string{"\x01\x02", "\x00", "A\x00", "\x01\x02", "\x00", "A\x00"},
			want:   []string{"!too_long_frame: 2 > max_length 1", "A", "!too_long_frame: 2 > max_length 1", "A"}},
		{name: "too long with delimiter present", delims: delims("--"), opts: DelimiterOptions{MaxLength: 3},
			chunks: []string{"abcd--ab--"}, want: []string{"!too_long_frame: 4 > max_length 3", "ab"}},
		{name: "partial delimiter not counted", delims: delims("--"), opts: DelimiterOptions{MaxLength: 3},
			chunks: []string{"abc-", "-"}, want: []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nettyDrive(t, Delimiter(tt.delims, tt.opts).New(), tt.chunks...)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDelimiterValidation(t *testing.T) {
	if _, err := NewDelimiter(nil, DelimiterOptions{}); err == nil {
		t.Error("no delimiters: no error")
	}
	if _, err := NewDelimiter(delims("a", ""), DelimiterOptions{}); err == nil {
		t.Error("an empty delimiter: no error")
	}
	if s := Delimiter(delims("\n", "\r\n"), DelimiterOptions{}); s.Name() != "delimiter" {
		t.Errorf("line-based delimiter set: Name() = %q", s.Name())
	}
}

func TestDelimiterSplitInvariance(t *testing.T) {
	sets := [][][]byte{delims("--"), delims("abc", "b"), delims("\r\n", "\n"), delims("x", "xyz", "yz")}
	streams := []string{"ab--cd---e", "xabcyb", "abcdef--", "xyzyzx\nq", "a-b--", "abxabc"}
	for _, set := range sets {
		for _, o := range []DelimiterOptions{{MaxLength: 3}, {MaxLength: 3, NoFailFast: true, KeepDelimiter: true}} {
			for _, s := range streams {
				checkAllSplits(t, Delimiter(set, o), []byte(s), o.NoFailFast)
			}
		}
	}
}

func TestDelimiterEncode(t *testing.T) {
	got, err := Delimiter(delims("|", "#"), DelimiterOptions{}).New().Encode(nil, []byte("msg"))
	if err != nil || string(got) != "msg|" {
		t.Fatalf("Encode = %q, %v", got, err)
	}
	got, _ = Delimiter(delims("\r\n", "\n"), DelimiterOptions{}).New().Encode(nil, []byte("msg"))
	if string(got) != "msg\r\n" {
		t.Fatalf("line-based Encode = %q, want the first delimiter", got)
	}
}

// fuzzDelimSets are the delimiter sets FuzzDelimiter picks from: single and
// multi-byte delimiters, one inside another, the line-based set.
var fuzzDelimSets = [][][]byte{
	delims("\x00"), delims("--"), delims("abc", "b"), delims("\r\n", "\n"), delims("x", "xyz", "yz"), delims("aa", "ab", "b"),
}

func FuzzDelimiter(f *testing.F) {
	f.Add([]byte("a--b----c"), []byte{2, 1}, uint8(4), uint8(1<<2))
	f.Add([]byte("xabcbyabc"), []byte{1}, uint8(3), uint8(2<<2|2))
	f.Add([]byte("xyzyxzz\x00yz"), []byte{5, 3}, uint8(2), uint8(4<<2|3))
	f.Fuzz(func(t *testing.T, data, cuts []byte, maxLen, flags uint8) {
		set := fuzzDelimSets[int(flags>>2)%len(fuzzDelimSets)]
		o := DelimiterOptions{MaxLength: int(maxLen)%32 + 1, KeepDelimiter: flags&1 != 0, NoFailFast: flags&2 != 0}
		checkSplitInvariance(t, Delimiter(set, o), data, cuts, o.MaxLength+3, o.NoFailFast)
	})
}

func BenchmarkDelimiter(b *testing.B) {
	frame := strings.Repeat("z", 60) + "||"
	benchDecode(b, Delimiter(delims("||"), DelimiterOptions{}), []byte(strings.Repeat(frame, 1000)), 1000)
}
