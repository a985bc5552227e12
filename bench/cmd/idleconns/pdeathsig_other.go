//go:build !linux

package main

import "os/exec"

// setParentDeathSignal does nothing where the kernel has no parent-death
// signal; idleconns still stops the server on a stop signal.
func setParentDeathSignal(*exec.Cmd) {}
