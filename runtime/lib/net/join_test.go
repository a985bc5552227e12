package net

import (
	"testing"

	"github.com/netplay-lab/netplay/codecs"
)

// Frames cut by a splitter from one read are joined into one string, and
// each frame is a substring of it; a frame that is a copy is refused.
func TestJoinFrames(t *testing.T) {
	st := &connState{split: codecs.Line(codecs.LineOptions{}).New()}
	buf := []byte("one\ntwo\n\nthree\nrest")
	frames, n, err := st.splitFrames(buf)
	if err != nil || n != len(buf)-4 || len(frames) != 4 {
		t.Fatalf("split: %q %d %v", frames, n, err)
	}
	span, base, ok := joinFrames(frames, buf[:n])
	if !ok || span != "one\ntwo\n\nthree" || base == 0 {
		t.Fatalf("join: %q %v", span, ok)
	}
	frames[1] = append([]byte(nil), frames[1]...)
	if _, _, ok := joinFrames(frames, buf[:n]); ok {
		t.Errorf("a copied frame was joined")
	}
}
