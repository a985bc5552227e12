// Command netplay is a scriptable network-protocol playground.
//
//	netplay                       interactive shell (stdin not a terminal: read as a script)
//	netplay run FILE [ARGS…]      run a script; ARGS in the global arg, arg[0] = FILE
//	netplay -e CODE               run a chunk
//	netplay version
//	netplay -h | help
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/netplay-lab/netplay/runtime"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK        = 0
	exitError     = 1   // a script error
	exitUsage     = 2   // a usage error
	exitInterrupt = 130 // a second SIGINT/SIGTERM forced the stop
)

const usage = `usage:
  netplay [flags]                  interactive shell
  netplay [flags] run FILE [ARGS…] run a script (ARGS in the global arg, arg[0] = FILE)
  netplay [flags] -e CODE          run a chunk
  netplay version                  print the version
  netplay -h | help                this help

flags:
  --unsafe        allow io, os.execute, debug… in scripts
  --budget DUR    per-callback budget (default 1s; 0 or negative: none)
`

// gcPercent is netplay's GOGC unless the environment sets one. A Lua server
// makes short-lived garbage on every message (strings, tables, frames) over
// a live heap of a few MiB, so collecting at 5x the live heap instead of
// 2x costs little memory and about 15 % of a busy server's CPU
// (docs/runtime.md, "Garbage collection").
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

// dispatch parses the command line and runs the command; it returns the exit code.
func dispatch(args []string, stdout, stderr io.Writer) int {
	opts := runtime.Options{}
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		flag, val, hasVal := strings.Cut(args[0], "=")
		args = args[1:]
		switch flag {
		case "--unsafe":
			opts.Unsafe = true
		case "--budget":
			if !hasVal {
				if len(args) == 0 {
					return usageError(stderr, "--budget needs a duration")
				}
				val, args = args[0], args[1:]
			}
			d, err := time.ParseDuration(val)
			if err != nil {
				return usageError(stderr, "--budget: "+err.Error())
			}
			if d <= 0 {
				d = -1
			}
			opts.Budget = d
		case "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		default:
			return usageError(stderr, "unknown flag "+flag)
		}
	}
	if len(args) == 0 {
		return runShellOptions(opts)
	}
	switch cmd := args[0]; cmd {
	case "version", "--version":
		fmt.Fprintln(stdout, "netplay", version)
		return exitOK
	case "-h", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "run":
		if len(args) < 2 {
			return usageError(stderr, "run needs a FILE")
		}
		file, scriptArgs := args[1], args[2:]
		return runScript(opts, stdout, stderr, func(rt *runtime.Runtime) error { return rt.RunFile(file, scriptArgs) })
	case "-e":
		if len(args) != 2 {
			return usageError(stderr, "-e needs exactly one CODE argument")
		}
		code := args[1]
		return runScript(opts, stdout, stderr, func(rt *runtime.Runtime) error { return rt.RunString("(command line)", code) })
	default:
		if strings.HasSuffix(cmd, ".lua") {
			return usageError(stderr, "unknown command "+cmd+" (did you mean: netplay run "+cmd+"?)")
		}
		return usageError(stderr, "unknown command "+cmd)
	}
}

func usageError(stderr io.Writer, msg string) int {
	fmt.Fprintf(stderr, "netplay: %s\n%s", msg, usage)
	return exitUsage
}
