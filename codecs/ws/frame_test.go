package ws

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestHeaderRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		length int64
		hlen   int // unmasked header length
	}{{0, 2}, {125, 2}, {126, 4}, {127, 4}, {65535, 4}, {65536, 10}, {1 << 40, 10}} {
		for _, masked := range []bool{false, true} {
			h := Header{Fin: true, Rsv: Rsv1, Op: OpBinary, Masked: masked, Length: tc.length}
			if masked {
				h.Key = testKey
			}
			enc := AppendHeader(nil, h)
			want := tc.hlen
			if masked {
				want += 4
			}
			if len(enc) != want {
				t.Fatalf("length %d masked %v: header of %d bytes, want %d", tc.length, masked, len(enc), want)
			}
			got, n, err := ParseHeader(enc)
			if err != nil || n != len(enc) || got != h {
				t.Fatalf("length %d: parsed %+v n=%d err=%v", tc.length, got, n, err)
			}
			// Every prefix is incomplete, never an error.
			for i := range enc {
				if _, n, err := ParseHeader(enc[:i]); n != 0 || err != nil {
					t.Fatalf("prefix %d of %d: n=%d err=%v", i, len(enc), n, err)
				}
			}
		}
	}
}

func TestMaskMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		p := make([]byte, r.IntN(100))
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		pos := r.IntN(7)
		got := append([]byte(nil), p...)
		if end := Mask(testKey, pos, got); end != pos+len(p) {
			t.Fatalf("Mask returned %d, want %d", end, pos+len(p))
		}
		for i := range p {
			if got[i] != p[i]^testKey[(pos+i)&3] {
				t.Fatalf("len %d pos %d: byte %d differs", len(p), pos, i)
			}
		}
		// Masking in two pieces equals masking at once; twice unmasks.
		cut := len(p) / 3
		two := append([]byte(nil), p...)
		Mask(testKey, Mask(testKey, pos, two[:cut]), two[cut:])
		if !bytes.Equal(two, got) {
			t.Fatal("masking in pieces differs")
		}
		Mask(testKey, pos, two)
		if !bytes.Equal(two, p) {
			t.Fatal("masking twice does not unmask")
		}
	}
}

func TestValidUTF8(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{"", true}, {"plain ascii, longer than eight bytes", true},
		{"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true},
		{"\xf4\x8f\xbf\xbf", true}, {"\xef\xbf\xbe", true}, {"\xef\xbf\xbf", true},
		{"\xf4\x90\x80\x80", false}, {"\xc0\xaf", false}, {"\xe0\x80\xaf", false},
		{"\xed\xa0\x80", false}, {"\xfe", false}, {"\xff", false}, {"\x80", false},
		{"\xf0\x80\x80\x80", false}, {"\xf8\x88\x80\x80\x80", false}, {"\xe2\x82", false},
	} {
		if got := ValidUTF8([]byte(tc.s)); got != tc.ok {
			t.Errorf("%q: %v, want %v", tc.s, got, tc.ok)
		}
	}
}

// FuzzUTF8 checks the validator against unicode/utf8 (both follow Unicode's
// well-formed sequences) and that feeding in two pieces changes nothing.
func FuzzUTF8(f *testing.F) {
	f.Add([]byte("\xce\xba\xe1\xbd\xb9"), uint8(2))
	f.Add([]byte("\xed\xa0\x80"), uint8(1))
	f.Add([]byte("ascii then \xf4\x8f\xbf\xbf"), uint8(12))
	f.Fuzz(func(t *testing.T, p []byte, cut uint8) {
		want := utf8.Valid(p)
		if got := ValidUTF8(p); got != want {
			t.Fatalf("%q: ValidUTF8 %v, utf8.Valid %v", p, got, want)
		}
		i := min(int(cut), len(p))
		s := uAccept.feed(p[:i])
		if s != uReject {
			s = s.feed(p[i:])
		}
		if (s == uAccept) != want {
			t.Fatalf("%q cut at %d: state %d, valid %v", p, i, s, want)
		}
	})
}
