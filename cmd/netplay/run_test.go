package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

func TestDispatchExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.lua", `print("args", arg[0] ~= nil, arg[1], arg[2], #arg)`)
	bad := write("bad.lua", "local x = 1\nerror('boom')\n")
	syntax := write("syntax.lua", "print(1)\nlocal = 3\n")
	grow := write("grow.lua", "local t = {} for i = 1, 1e8 do t[i] = i end\n")
	oldLimit := debug.SetMemoryLimit(-1) // --max-memory sets it for the process
	t.Cleanup(func() { debug.SetMemoryLimit(oldLimit) })
	lives := write("lives.lua", `local n = 0
local ev = timer.every(0.01, function() n = n + 1 end)
timer.after(0.1, function() ev:stop() print("ticks", n > 3) end)
`)
	// a peer that accepts and holds conns, so the script's first conn stays open
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	peer := ln.Addr().String()
	dialTwice := write("dial2.lua", `
local c1 = net.connect(arg[1])
print("c1", c1 ~= nil)
local c2, err = net.connect(arg[1])
print("c2", c2 ~= nil, err and err:match("too many conns"))
c1:close()`)
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // substring
		stderr     string // substring
		minElapsed time.Duration
	}{
		{name: "version", args: []string{"version"}, code: 0, stdout: "netplay "},
		{name: "help", args: []string{"-h"}, code: 0, stdout: "usage:"},
		{name: "no command file", args: []string{"run"}, code: 2, stderr: "run needs a FILE"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: "unknown command"},
		{name: "unknown flag", args: []string{"--nope"}, code: 2, stderr: "unknown flag"},
		{name: "bad budget", args: []string{"--budget", "x", "-e", "1"}, code: 2, stderr: "--budget"},
		{name: "-e ok", args: []string{"-e", "print(1 + 1)"}, code: 0, stdout: "2\n"},
		{name: "-e error", args: []string{"-e", "error('x')"}, code: 1, stderr: "(command line):1: x\nstack traceback:"},
		{name: "-e syntax", args: []string{"-e", "print("}, code: 1, stderr: "(command line):1: syntax error near <eof>"},
		{name: "run syntax", args: []string{"run", syntax}, code: 1, stderr: syntax + ":2: syntax error near '='"},
		{name: "script without run", args: []string{ok}, code: 2, stderr: "did you mean: netplay run " + ok},
		{name: "run with args", args: []string{"run", ok, "a", "b"}, code: 0, stdout: "args\ttrue\ta\tb\t2\n"},
		{name: "run error", args: []string{"run", bad}, code: 1, stderr: bad + ":2: boom\nstack traceback:\n\t[G]: in function 'error'\n\t" + bad + ":2: in main chunk"},
		{name: "run missing file", args: []string{"run", filepath.Join(dir, "nope.lua")}, code: 1, stderr: "nope.lua"},
		{name: "run lives while timers run", args: []string{"run", lives}, code: 0, stdout: "ticks\ttrue\n", minElapsed: 90 * time.Millisecond},
		{name: "sandbox", args: []string{"-e", "os.execute('true')"}, code: 1, stderr: "os.execute is disabled in scripts; run with --unsafe to allow it"},
		{name: "unsafe", args: []string{"--unsafe", "-e", "assert(io and os.execute)"}, code: 0},
		{name: "budget flag", args: []string{"--budget", "50ms", "-e", "timer.after(0, function() while true do end end)"}, code: 0, stderr: "budget"},
		{name: "flags after run", args: []string{"run", "--budget", "50ms", lives}, code: 0, stdout: "ticks\ttrue\n"},
		{name: "single-dash flags after run", args: []string{"run", "-unsafe", "-budget=2s", ok}, code: 0, stdout: "args\ttrue\tnil\tnil\t0\n"},
		{name: "script args untouched", args: []string{"--unsafe", "run", ok, "-budget", "2s"}, code: 0, stdout: "args\ttrue\t-budget\t2s\t2\n"},
		{name: "flags after run then args", args: []string{"run", "-budget", "2s", ok, "--", "x"}, code: 0, stdout: "args\ttrue\t--\tx\t2\n"},
		{name: "misspelt command", args: []string{"rnu", ok}, code: 2, stderr: "unknown command rnu (did you mean: netplay run?)"},
		{name: "misspelt flag", args: []string{"--bugdet", "1s"}, code: 2, stderr: "unknown flag --bugdet (did you mean --budget?)"},
		{name: "flag without value", args: []string{"run", "--budget"}, code: 2, stderr: "--budget needs a value"},
		{name: "-e after command", args: []string{"run", "-e", "1"}, code: 2, stderr: "unknown flag -e"},
		{name: "-e extra args", args: []string{"-e", "1", "x"}, code: 2, stderr: "-e takes one CODE argument"},
		{name: "help run", args: []string{"help", "run"}, code: 0, stdout: "usage: netplay run [FLAGS] FILE [ARGS…]"},
		{name: "run -h", args: []string{"run", "-h"}, code: 0, stdout: "--max-conns N"},
		{name: "help lists commands", args: []string{"--help"}, code: 0, stdout: "run FILE [ARGS…]"},
		{name: "help unknown", args: []string{"help", "rnu"}, code: 2, stderr: "did you mean: netplay run?"},
		{name: "negative max-conns", args: []string{"--max-conns", "-1", "-e", "1"}, code: 2, stderr: "--max-conns -1"},
		{name: "bad max-memory", args: []string{"--max-memory", "lots", "-e", "1"}, code: 2, stderr: "--max-memory"},
		{name: "tiny max-memory", args: []string{"run", "--max-memory", "1MiB", ok}, code: 2, stderr: "below the minimum of 32MiB"},
		{name: "max-memory caps Lua", args: []string{"--max-memory", "64MiB", "run", grow}, code: 1, stderr: "grow.lua:1: memory limit exceeded"},
		{name: "max-conns reaches the engine", args: []string{"--max-conns", "1", "run", dialTwice, "tcp://" + peer}, code: 0, stdout: "c1\ttrue\nc2\tfalse\ttoo many conns\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			start := time.Now()
			code := dispatch(tc.args, &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errOut.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errOut.String(), tc.stderr)
			}
			if el := time.Since(start); el < tc.minElapsed {
				t.Errorf("exited after %v, want >= %v", el, tc.minElapsed)
			}
		})
	}
}

func TestRunSignals(t *testing.T) {
	bin := testkit.NetplayBin(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "server.lua")
	os.WriteFile(plain, []byte(`
local srv = assert(net.listen("tcp://127.0.0.1:0", {on_open = function() print("open") end}))
print("listening on " .. srv.addr)
`), 0o644)
	// a long pool job holds the graceful stop open (the pool drains for 5 s)
	stuck := filepath.Join(dir, "stuck.lua")
	os.WriteFile(stuck, []byte(`
pool.submit(function() sleep(30) end)
local srv = assert(net.listen("tcp://127.0.0.1:0", {on_open = function() print("open") end}))
print("listening on " .. srv.addr)
`), 0o644)
	tests := []struct {
		name    string
		args    []string
		signals []os.Signal
		code    int
	}{
		{name: "first signal stops gracefully", args: []string{"run", plain}, signals: []os.Signal{syscall.SIGTERM}, code: 0},
		{name: "second signal forces", args: []string{"run", stuck}, signals: []os.Signal{syscall.SIGINT, syscall.SIGINT}, code: 130},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out syncWriter
			cmd := exec.CommandContext(ctx, bin, tc.args...)
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 5*time.Second, "the server to print its address", func() bool {
				return strings.Contains(out.String(), "listening on")
			})
			addr := strings.TrimSpace(strings.Split(strings.TrimPrefix(out.String(), "listening on "), "\n")[0])
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			testkit.WaitFor(t, 5*time.Second, "the server to see the conn open", func() bool {
				return strings.Contains(out.String(), "\nopen\n")
			})
			for i, sig := range tc.signals {
				if i > 0 {
					// the first signal has started the graceful stop once
					// the server refuses new conns
					testkit.WaitFor(t, 5*time.Second, "the listener to close", func() bool {
						c, err := net.DialTimeout("tcp", addr, time.Second)
						if err == nil {
							c.Close()
						}
						return err != nil
					})
				}
				cmd.Process.Signal(sig)
			}
			err = cmd.Wait()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
		})
	}
}

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
