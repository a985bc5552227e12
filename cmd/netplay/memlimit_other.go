//go:build !linux && !darwin

package main

// physicalMemory is unknown here: 0 (the default limit is then 1 GiB).
func physicalMemory() uint64 { return 0 }
