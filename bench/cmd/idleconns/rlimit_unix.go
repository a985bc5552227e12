//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseNoFile sets the soft RLIMIT_NOFILE to the hard limit and fails if that
// is still below want. Processes started afterwards inherit the new limit.
func raiseNoFile(want uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit nofile: %w", err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("setrlimit nofile %d: %w", lim.Max, err)
	}
	if lim.Cur < want {
		return fmt.Errorf("RLIMIT_NOFILE hard limit %d < %d needed: lower -n or raise the limit", lim.Cur, want)
	}
	return nil
}
