// Package buffer pools byte slices by power-of-two size class, so conns can
// hold inbound and outbound bytes only while they have some.
package buffer

import (
	"math/bits"
	"sync"
)

const (
	minShift = 9  // 512 B
	maxShift = 22 // 4 MiB; larger slices are not pooled
)

var pools [maxShift - minShift + 1]sync.Pool

func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minShift
}

// Get returns a slice of length 0 and capacity at least n, from the pool of
// its size class when there is one. Get is safe for concurrent use.
func Get(n int) []byte {
	c := class(n)
	if c >= len(pools) {
		return make([]byte, 0, n)
	}
	if v := pools[c].Get(); v != nil {
		return (*v.(*[]byte))[:0]
	}
	return make([]byte, 0, 1<<(c+minShift))
}

// Put gives b back to its size-class pool; b must not be used afterwards.
// Slices whose capacity is not exactly a pooled class are dropped; dropped
// slices above the largest class count towards returning memory to the
// operating system (see release.go). Put is safe for concurrent use.
func Put(b []byte) {
	c := cap(b)
	if c > 1<<maxShift {
		dropLarge(c)
		return
	}
	if c < 1<<minShift || c&(c-1) != 0 {
		return
	}
	b = b[:0]
	pools[class(c)].Put(&b)
}
