// Package rttest starts runtime.Runtimes for the Lua tests of the module
// packages (runtime/lib/*), through the luatest harness.
package rttest

import (
	"io"
	"testing"

	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
)

// New starts a runtime with default options writing to stdout and stderr.
func New(stdout, stderr io.Writer) (luatest.Runner, error) {
	return runtime.New(runtime.Options{Stdout: stdout, Stderr: stderr})
}

// RunLua runs every testdata/*_test.lua of the calling package's folder.
func RunLua(t *testing.T) { luatest.RunDir(t, New, "testdata") }
