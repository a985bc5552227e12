package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// envCPUProfile names a file that `netplay run` and `netplay -e` write a Go
// CPU profile to, from start to exit: how the benchmarks in
// docs/benchmarks.md find where a Lua server's time goes.
const envCPUProfile = "NETPLAY_CPUPROFILE"

// startCPUProfile starts profiling when NETPLAY_CPUPROFILE is set and
// returns the func that stops it (a no-op otherwise).
func startCPUProfile(stderr io.Writer) func() {
	path := os.Getenv(envCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(stderr, "netplay: %s: %v\n", envCPUProfile, err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
