// Command netplay is a scriptable network-protocol playground.
//
//	netplay [FLAGS]                         interactive shell (stdin not a terminal: read as a script)
//	netplay [FLAGS] run [FLAGS] FILE [ARGS…] run a script; ARGS in the global arg, arg[0] = FILE
//	netplay [FLAGS] -e CODE                 run a chunk
//	netplay version
//	netplay help [COMMAND] | -h
//
// The subcommands and flags are listed in one table (cli.go's
// cliCommands); docs/cli.md describes them.
package main

import (
	"os"
	"runtime/debug"
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

// gcPercent is netplay's GOGC unless the environment sets one. A Lua server
// makes short-lived garbage on every message (strings, tables, frames) over
// a live heap of a few MiB, so collecting at 5x the live heap instead of
// 2x costs little memory and about 15 % of a busy server's CPU
// (docs/runtime.md, "Garbage collection"). The soft memory limit
// (--max-memory) bounds what this multiplies.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}
