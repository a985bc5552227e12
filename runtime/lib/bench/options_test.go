package bench_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// TestStrictOptions: bench.run rejects an unknown key with a suggestion
// (testdata/options_test.lua).
func TestStrictOptions(t *testing.T) {
	luatest.RunFile(t, rttest.New, "testdata/options_test.lua")
}
