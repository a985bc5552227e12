package codecs

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestLengthPrependerNettyCases follows Netty's LengthFieldPrependerTest, and
// checks that the codec's own Decode gives each message back.
func TestLengthPrependerNettyCases(t *testing.T) {
	tests := []struct {
		name    string
		o       LengthPrependerOptions
		msg     string
		want    string
		wantErr string
	}{
		{name: "prepend length", msg: "A", want: "\x00\x00\x00\x01A"},
		{name: "length includes the field", o: LengthPrependerOptions{LengthIncludesLengthFieldLength: true},
			msg: "A", want: "\x00\x00\x00\x05A"},
		{name: "adjusted length", o: LengthPrependerOptions{LengthAdjustment: -1}, msg: "A", want: "\x00\x00\x00\x00A"},
		{name: "adjusted length less than zero", o: LengthPrependerOptions{LengthAdjustment: -2}, msg: "A",
			wantErr: "invalid_message: adjusted frame length (-1) is less than zero"},
		{name: "little endian", o: LengthPrependerOptions{ByteOrder: binary.LittleEndian}, msg: "A", want: "\x01\x00\x00\x00A"},
		{name: "1-byte field", o: LengthPrependerOptions{LengthFieldLength: 1}, msg: "hi", want: "\x02hi"},
		{name: "3-byte field", o: LengthPrependerOptions{LengthFieldLength: 3}, msg: "hi", want: "\x00\x00\x02hi"},
		{name: "8-byte field", o: LengthPrependerOptions{LengthFieldLength: 8}, msg: "", want: "\x00\x00\x00\x00\x00\x00\x00\x00"},
		{name: "length does not fit the field", o: LengthPrependerOptions{LengthFieldLength: 1}, msg: strings.Repeat("x", 256),
			wantErr: "too_long_frame: 256 > 255 (largest value of length_field_length 1)"},
		{name: "2-byte field overflow", o: LengthPrependerOptions{LengthFieldLength: 2, LengthIncludesLengthFieldLength: true},
			msg: strings.Repeat("x", 65534), wantErr: "too_long_frame: 65536 > 65535 (largest value of length_field_length 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LengthPrepender(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.New().Encode([]byte{}, []byte(tt.msg))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || len(got) != 0 {
					t.Fatalf("Encode = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Encode = %q, %v; want %q", got, err, tt.want)
			}
			dec := decodeAll(t, s, got)
			if len(dec.Frames) != 1 || dec.Frames[0] != tt.msg || dec.Err != "" {
				t.Fatalf("Decode(Encode(%q)) = %+v", tt.msg, dec)
			}
		})
	}
}

func TestLengthPrependerValidation(t *testing.T) {
	if _, err := LengthPrepender(LengthPrependerOptions{LengthFieldLength: 6}); err == nil {
		t.Error("length_field_length 6: no error")
	}
	s, err := LengthPrepender(LengthPrependerOptions{MaxFrameLength: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeAll(t, s, []byte("\x00\x00\x00\x07")); got.Err != "too_long_frame: 11 > max_frame_length 10" {
		t.Errorf("decode past max_frame_length: %+v", got)
	}
	if s.Name() != "length_prepender" {
		t.Errorf("Name() = %q", s.Name())
	}
}
