package core

import (
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/reactor"
	"github.com/netplay-lab/netplay/runtime/host"
	"github.com/netplay-lab/netplay/runtime/internal/luatest"
	"github.com/netplay-lab/netplay/runtime/lib/bin"
	"github.com/netplay-lab/netplay/runtime/lib/codec"
	luactx "github.com/netplay-lab/netplay/runtime/lib/context"
	"github.com/netplay-lab/netplay/runtime/lib/hex"
	"github.com/netplay-lab/netplay/runtime/lib/json"
	luanet "github.com/netplay-lab/netplay/runtime/lib/net"
	"github.com/netplay-lab/netplay/runtime/lib/pool"
	"github.com/netplay-lab/netplay/runtime/lib/shared"
	"github.com/netplay-lab/netplay/runtime/lib/timer"
)

// Options are the core tests' runtime options (runtime.Options' fields).
type Options struct {
	Unsafe         bool
	Stdout, Stderr io.Writer
	Budget         time.Duration
	Loops          int
	MaxMemory      int64
	PoolBudget     time.Duration
}

// newWith starts a core runtime with the modules the runtime package
// lists (runtime/modules.go, which the core cannot import).
func newWith(opts Options) (*Runtime, error) {
	cfg := Config{Unsafe: opts.Unsafe, Stdout: opts.Stdout, Stderr: opts.Stderr, Budget: opts.Budget,
		MaxMemory: opts.MaxMemory, PoolBudget: opts.PoolBudget,
		Modules: []*host.Module{Globals, timer.Module, luactx.Module, pool.Module, shared.Module,
			bin.Module, hex.Module, json.Module, luanet.Module, codec.Module(codec.Builtin()...)}}
	if opts.Loops > 0 {
		cfg.Engine = []reactor.Option{reactor.WithLoops(opts.Loops)}
	}
	return New(cfg)
}

// newTestRuntime starts a runtime whose output is captured; it is stopped
// at the end of the test.
func newTestRuntime(t testing.TB, opts Options) (*Runtime, *luatest.Buf, *luatest.Buf) {
	t.Helper()
	return luatest.Start(t, func(stdout, stderr io.Writer) (*Runtime, error) {
		opts.Stdout, opts.Stderr = stdout, stderr
		return newWith(opts)
	})
}

// strconvNum parses a number printed by Lua.
func strconvNum(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
