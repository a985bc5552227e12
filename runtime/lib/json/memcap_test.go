package json_test

import (
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/rttest"
)

// json.encode of a table holding one big string many times, and
// json.decode of a text that makes many values, ask the memory cap before
// they build (before: encode printed its 200 MiB under a 64 MiB cap).
func TestMemoryCap(t *testing.T) {
	rttest.CheckMemoryCap(t, []rttest.MemCase{
		{Op: "json.encode", Setup: `T = {} for i = 1, 200 do T[i] = MB end`, Src: `return json.encode(T)`},
		{Op: "json.encode", Setup: `T = {} for i = 1, 200 do T["k" .. i] = MB end`, Src: `return json.encode({a = {b = T}})`},
		{Op: "json.decode", Setup: `S = "[" .. ("[],"):rep(2^20) .. "[]]"`, Src: `return json.decode(S)`},
	})
}
