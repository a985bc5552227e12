package runtime

import (
	"io"
	"testing"

	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// newTestRuntime starts a runtime whose output is captured; it is stopped
// at the end of the test.
func newTestRuntime(t testing.TB, opts Options) (*Runtime, *luatest.Buf, *luatest.Buf) {
	t.Helper()
	return luatest.Start(t, func(stdout, stderr io.Writer) (*Runtime, error) {
		opts.Stdout, opts.Stderr = stdout, stderr
		return New(opts)
	})
}

// TestLuaFiles runs the Lua tests of the runtime as a whole (limits,
// pcall); each module's are in its package.
func TestLuaFiles(t *testing.T) {
	luatest.RunDir(t, func(stdout, stderr io.Writer) (luatest.Runner, error) {
		return New(Options{Stdout: stdout, Stderr: stderr})
	}, "testdata")
}
