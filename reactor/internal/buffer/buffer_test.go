package buffer

import (
	"testing"
	"time"
)

func TestGetRoundsUpToClass(t *testing.T) {
	tests := []struct{ n, wantCap int }{
		{1, 512}, {512, 512}, {513, 1024}, {64 << 10, 64 << 10}, {4 << 20, 4 << 20}, {4<<20 + 1, 4<<20 + 1},
	}
	for _, tt := range tests {
		if b := Get(tt.n); len(b) != 0 || cap(b) < tt.wantCap || (tt.n <= 4<<20 && cap(b) != tt.wantCap) {
			t.Errorf("Get(%d): len %d cap %d, want len 0 cap %d", tt.n, len(b), cap(b), tt.wantCap)
		}
	}
}

// Dropping large slices makes the pool hand memory back to the system in
// the background.
func TestDroppedLargeSlicesAreReleased(t *testing.T) {
	before := Releases()
	Put(make([]byte, 0, 8<<20))
	Put(make([]byte, 0, 8<<20))
	deadline := time.Now().Add(5 * time.Second)
	for Releases() == before {
		if time.Now().After(deadline) {
			t.Fatal("16 MiB of large slices dropped and no release within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
