package codecs

import "testing"

func TestRaw(t *testing.T) {
	c := Raw().New()
	if frame, n, err := c.Decode(nil); frame != nil || n != 0 || err != nil {
		t.Fatalf("Decode(nil) = %q, %d, %v; want need more", frame, n, err)
	}
	if frame, n, err := c.Decode([]byte("chunk")); string(frame) != "chunk" || n != 5 || err != nil {
		t.Fatalf("Decode(chunk) = %q, %d, %v", frame, n, err)
	}
	if got, _ := c.Encode([]byte("a"), []byte("b")); string(got) != "ab" {
		t.Fatalf("Encode = %q", got)
	}
	if Raw().Name() != "raw" {
		t.Fatalf("Name() = %q", Raw().Name())
	}
}
