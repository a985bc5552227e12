package codecs

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

const hw = "HELLO, WORLD"

// TestLengthFieldNettyJavadoc decodes each worked example of Netty's
// LengthFieldBasedFrameDecoder documentation, with its bytes.
func TestLengthFieldNettyJavadoc(t *testing.T) {
	tests := []struct {
		name string
		o    LengthFieldOptions
		in   string
		want string
	}{
		{name: "2 bytes length field at offset 0, do not strip header",
			o:  LengthFieldOptions{LengthFieldLength: 2},
			in: "\x00\x0c" + hw, want: "\x00\x0c" + hw},
		{name: "2 bytes length field at offset 0, strip header",
			o:  LengthFieldOptions{LengthFieldLength: 2, InitialBytesToStrip: 2},
			in: "\x00\x0c" + hw, want: hw},
		{name: "2 bytes length field at offset 0, do not strip header, the length field represents the length of the whole message",
			o:  LengthFieldOptions{LengthFieldLength: 2, LengthAdjustment: -2},
			in: "\x00\x0e" + hw, want: "\x00\x0e" + hw},
		{name: "3 bytes length field at the end of 5 bytes header, do not strip header",
			o:  LengthFieldOptions{LengthFieldOffset: 2, LengthFieldLength: 3},
			in: "\xca\xfe\x00\x00\x0c" + hw, want: "\xca\xfe\x00\x00\x0c" + hw},
		{name: "3 bytes length field at the beginning of 5 bytes header, do not strip header",
			o:  LengthFieldOptions{LengthFieldLength: 3, LengthAdjustment: 2},
			in: "\x00\x00\x0c\xca\xfe" + hw, want: "\x00\x00\x0c\xca\xfe" + hw},
		{name: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field",
			o:  LengthFieldOptions{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: 1, InitialBytesToStrip: 3},
			in: "\xca\x00\x0c\xfe" + hw, want: "\xfe" + hw},
		{name: "2 bytes length field at offset 1 in the middle of 4 bytes header, strip the first header field and the length field, the length field represents the length of the whole message",
			o:  LengthFieldOptions{LengthFieldOffset: 1, LengthFieldLength: 2, LengthAdjustment: -3, InitialBytesToStrip: 3},
			in: "\xca\x00\x10\xfe" + hw, want: "\xfe" + hw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LengthField(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeAll(t, s, []byte(tt.in+tt.in[:3]))
			if !slices.Equal(got.Frames, []string{tt.want}) || got.Err != "" {
				t.Fatalf("got %q (error %q), want %q", got.Frames, got.Err, tt.want)
			}
			// Every split of the frame decodes the same.
			checkAllSplits(t, s, []byte(tt.in[:14]), true)
			got = decodeChunks(t, s.New(), pieces([]byte(tt.in), 1), 0)
			if !slices.Equal(got.Frames, []string{tt.want}) {
				t.Fatalf("byte by byte: got %q, want %q", got.Frames, tt.want)
			}
			// Encode inserts the same field: the frame's bytes come back.
			msg := tt.in[:tt.o.LengthFieldOffset] + tt.in[tt.o.LengthFieldOffset+tt.o.LengthFieldLength:]
			enc, err := s.New().Encode(nil, []byte(msg))
			if err != nil || string(enc) != tt.in {
				t.Fatalf("Encode(%q) = %q, %v; want %q", msg, enc, err, tt.in)
			}
		})
	}
}

func mustLengthField(t testing.TB, o LengthFieldOptions) Spec {
	t.Helper()
	s, err := LengthField(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLengthFieldErrors(t *testing.T) {
	tests := []struct {
		name   string
		o      LengthFieldOptions
		chunks []string
		want   []string // frames; "!" + error text for an error
	}{
		{name: "too long, fail fast at the header",
			o:      LengthFieldOptions{},
			chunks: []string{"\x00\x1e\x84\x7c" + "abc"}, // 1999996 + 4 = 2000000
			want:   []string{"!too_long_frame: 2000000 > max_frame_length 1048576"}},
		{name: "too long, discarded, then the next frame",
			o:      LengthFieldOptions{LengthFieldLength: 1, InitialBytesToStrip: 1, MaxFrameLength: 4},
			chunks: []string{"\x05ab", "cde\x01", "z"},
			want:   []string{"!too_long_frame: 6 > max_frame_length 4", "z"}},
		{name: "too long, not fail fast: error once discarded",
			o:      LengthFieldOptions{LengthFieldLength: 1, InitialBytesToStrip: 1, MaxFrameLength: 4, NoFailFast: true},
			chunks: []string{"\x05ab", "c", "de\x01z"},
			want:   []string{"!too_long_frame: 6 > max_frame_length 4", "z"}},
		{name: "too long, whole frame buffered",
			o:      LengthFieldOptions{LengthFieldLength: 1, InitialBytesToStrip: 1, MaxFrameLength: 4, NoFailFast: true},
			chunks: []string{"\x05abcde\x01z"},
			want:   []string{"!too_long_frame: 6 > max_frame_length 4", "z"}},
		{name: "negative length field",
			o:      LengthFieldOptions{LengthFieldLength: 8},
			chunks: []string{"\xff\xff\xff\xff\xff\xff\xff\xfe"},
			want:   []string{"!corrupted_frame: negative pre-adjustment length field: -2"}},
		{name: "frame shorter than its header",
			o:      LengthFieldOptions{LengthFieldLength: 2, LengthAdjustment: -3},
			chunks: []string{"\x00\x00"},
			want:   []string{"!corrupted_frame: adjusted frame length (-1) is less than length_field_end_offset: 2"}},
		{name: "strip more than the frame",
			o:      LengthFieldOptions{LengthFieldLength: 2, InitialBytesToStrip: 5},
			chunks: []string{"\x00\x01", "x"},
			want:   []string{"!corrupted_frame: adjusted frame length (3) is less than initial_bytes_to_strip: 5"}},
		{name: "int64 overflow is too long, not negative",
			o:      LengthFieldOptions{LengthFieldLength: 8, LengthAdjustment: 100},
			chunks: []string{"\x7f\xff\xff\xff\xff\xff\xff\xff"},
			want:   []string{"!too_long_frame: 9223372036854775807 > max_frame_length 1048576"}},
		{name: "little endian 3 bytes",
			o:      LengthFieldOptions{LengthFieldLength: 3, InitialBytesToStrip: 3, ByteOrder: binary.LittleEndian},
			chunks: []string{"\x02\x00\x00hi"},
			want:   []string{"hi"}},
		{name: "8 bytes big endian, empty frame",
			o:      LengthFieldOptions{LengthFieldLength: 8, InitialBytesToStrip: 8},
			chunks: []string{"\x00\x00\x00\x00\x00\x00\x00\x00"},
			want:   []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nettyDrive(t, mustLengthField(t, tt.o).New(), tt.chunks...)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLengthFieldOptionsValidation(t *testing.T) {
	bad := []struct {
		name string
		o    LengthFieldOptions
	}{
		{name: "field length 5", o: LengthFieldOptions{LengthFieldLength: 5}},
		{name: "negative offset", o: LengthFieldOptions{LengthFieldOffset: -1}},
		{name: "negative strip", o: LengthFieldOptions{InitialBytesToStrip: -1}},
		{name: "max below header", o: LengthFieldOptions{LengthFieldOffset: 10, MaxFrameLength: 12}},
		{name: "adjustment beyond int32", o: LengthFieldOptions{LengthAdjustment: math.MaxInt32 + 1}},
	}
	for _, tt := range bad {
		if _, err := LengthField(tt.o); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestLengthFieldNoAllocation checks that a header announcing a large frame
// allocates nothing: only bytes that arrived are held.
func TestLengthFieldNoAllocation(t *testing.T) {
	c := mustLengthField(t, LengthFieldOptions{MaxFrameLength: 1 << 30}).New()
	in := []byte("\x3f\xff\xff\xf0partial")
	allocs := testing.AllocsPerRun(100, func() {
		if frame, n, err := c.Decode(in); frame != nil || n != 0 || err != nil {
			t.Fatalf("Decode = %q, %d, %v; want need more", frame, n, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Decode", allocs)
	}
}

func TestLengthFieldEncodeErrors(t *testing.T) {
	one := mustLengthField(t, LengthFieldOptions{LengthFieldLength: 1, InitialBytesToStrip: 1})
	_, err := one.New().Encode(nil, bytes.Repeat([]byte("x"), 300))
	if want := "too_long_frame: 300 > 255 (largest value of length_field_length 1)"; err == nil || err.Error() != want {
		t.Errorf("300 bytes in a 1-byte field: %v, want %q", err, want)
	}
	small := mustLengthField(t, LengthFieldOptions{MaxFrameLength: 8, InitialBytesToStrip: 4})
	_, err = small.New().Encode(nil, []byte("12345"))
	if want := "too_long_frame: 9 > max_frame_length 8"; err == nil || err.Error() != want {
		t.Errorf("9-byte frame, max 8: %v, want %q", err, want)
	}
	off := mustLengthField(t, LengthFieldOptions{LengthFieldOffset: 2})
	if _, err = off.New().Encode(nil, []byte("x")); err == nil || !strings.HasPrefix(err.Error(), "invalid_message:") {
		t.Errorf("message shorter than the offset: %v", err)
	}
}

func FuzzLengthField(f *testing.F) {
	f.Add([]byte("\x00\x0cHELLO, WORLD\x00\x01x"), []byte{3, 5}, []byte{0, 1, 0, 2, 0, 0})
	f.Add([]byte("\xca\x00\x10\xfeHELLO, WORLD"), []byte{1}, []byte{1, 1, 0xfd, 3, 0, 0})
	f.Add([]byte("\x05abcde\x01z\xff\xff"), []byte{2, 1}, []byte{0, 0, 0, 1, 4, 3})
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff"), []byte{}, []byte{0, 4, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data, cuts, params []byte) {
		p := make([]byte, 6)
		copy(p, params)
		fieldLens := []int{1, 2, 3, 4, 8}
		o := LengthFieldOptions{
			LengthFieldOffset:   int(p[0] % 4),
			LengthFieldLength:   fieldLens[int(p[1])%len(fieldLens)],
			LengthAdjustment:    int(int8(p[2])),
			InitialBytesToStrip: int(p[3] % 16),
			MaxFrameLength:      int64(p[4])%200 + 12,
			NoFailFast:          p[5]&1 != 0,
		}
		if p[5]&2 != 0 {
			o.ByteOrder = binary.LittleEndian
		}
		s := mustLengthField(t, o)
		checkSplitInvariance(t, s, data, cuts, int(o.MaxFrameLength), true)
		// Encode then Decode gives back the message minus the stripped bytes.
		msg := data[:min(len(data), 40)]
		enc, err := s.New().Encode(nil, msg)
		if err != nil {
			return
		}
		got := decodeAll(t, s, enc)
		if got.Err != "" {
			if !strings.Contains(got.Err, "initial_bytes_to_strip") {
				t.Fatalf("decoding Encode(%q) = %q: %s", msg, enc, got.Err)
			}
			return
		}
		if len(got.Frames) != 1 || got.Frames[0] != string(enc[o.InitialBytesToStrip:]) {
			t.Fatalf("decoding Encode(%q) = %q: frames %q", msg, enc, got.Frames)
		}
	})
}

func BenchmarkLengthField(b *testing.B) {
	s := mustLengthField(b, LengthFieldOptions{InitialBytesToStrip: 4})
	var stream []byte
	c := s.New()
	for range 1000 {
		stream, _ = c.Encode(stream, bytes.Repeat([]byte("p"), 60))
	}
	benchDecode(b, s, stream, 1000)
}
