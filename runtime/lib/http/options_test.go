package http_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// TestStrictOptions: http.listen, http.client and the request option
// tables reject unknown keys with a suggestion (testdata/options_test.lua).
func TestStrictOptions(t *testing.T) {
	luatest.RunFile(t, rttest.New, "testdata/options_test.lua")
}
