package codecs

import (
	"slices"
	"strings"
	"testing"
)

func TestFixedNettyCases(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		chunks []string
		want   []string
	}{
		{name: "javadoc: A|BC|DEFG|HI", n: 3, chunks: []string{"A", "BC", "DEFG", "HI"}, want: []string{"ABC", "DEF", "GHI"}},
		{name: "several frames in one read", n: 2, chunks: []string{"aabbc"}, want: []string{"aa", "bb"}},
		{name: "one byte frames", n: 1, chunks: []string{"xyz"}, want: []string{"x", "y", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nettyDrive(t, Fixed(tt.n).New(), tt.chunks...)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFixedValidationAndEncode(t *testing.T) {
	if _, err := NewFixed(0); err == nil {
		t.Error("NewFixed(0): no error")
	}
	c := Fixed(4).New()
	if got, err := c.Encode(nil, []byte("abcd")); err != nil || string(got) != "abcd" {
		t.Errorf("Encode(abcd) = %q, %v", got, err)
	}
	_, err := c.Encode(nil, []byte("abc"))
	if want := "invalid_message: message of 3 bytes, frame_length is 4"; err == nil || err.Error() != want {
		t.Errorf("Encode(abc) error %v, want %q", err, want)
	}
}

func TestFixedSplitInvariance(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		checkAllSplits(t, Fixed(n), []byte("abcdefghijk"), true)
	}
}

func FuzzFixed(f *testing.F) {
	f.Add([]byte("ABCDEFGHI"), []byte{1, 2, 4}, uint8(3))
	f.Add([]byte("0123456789abcdef0"), []byte{7}, uint8(16))
	f.Fuzz(func(t *testing.T, data, cuts []byte, n uint8) {
		size := int(n)%16 + 1
		got := checkSplitInvariance(t, Fixed(size), data, cuts, size, true)
		if len(got.Frames) != len(data)/size {
			t.Fatalf("%d frames from %d bytes of %d-byte frames", len(got.Frames), len(data), size)
		}
	})
}

func BenchmarkFixed(b *testing.B) {
	benchDecode(b, Fixed(64), []byte(strings.Repeat("f", 64*1000)), 1000)
}
