package hex_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// hex.encode and hex.dump of a 20 MiB string ask the memory cap for their
// 40 and 100 MiB first.
func TestMemoryCap(t *testing.T) {
	setup := `S = MB:rep(20)`
	rttest.CheckMemoryCap(t, []rttest.MemCase{
		{Op: "hex.dump", Setup: setup, Src: `return hex.dump(S)`},
		{Op: "hex.encode", Setup: setup + ` S = S .. S`, Src: `return hex.encode(S)`},
	})
}
