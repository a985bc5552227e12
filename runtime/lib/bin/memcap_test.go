package bin_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// bin.pack asks the memory cap as its buffer grows: a short format can
// ask for a lot ("s4" with 1 MiB strings, 200 times).
func TestMemoryCap(t *testing.T) {
	rttest.CheckMemoryCap(t, []rttest.MemCase{
		{Op: "bin.pack", Setup: `A = {} for i = 1, 200 do A[i] = MB end`, Src: `return bin.pack(("s4"):rep(200), unpack(A))`},
	})
}
