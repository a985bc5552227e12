package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Go's soft memory limit (debug.SetMemoryLimit) for the whole process. With
// GOGC at 400 (gcPercent) the heap may grow to five times what is live
// before a collection; the limit makes the collector run earlier as the
// heap nears it, so a burst of garbage cannot multiply a server's memory
// without bound. It is soft: live data above it is not refused, the
// collector only works harder (at most about half the CPU).
const (
	// maxDefaultMemoryLimit caps the default: 1 GiB is far above what a
	// playground server keeps live and far below what a machine has.
	maxDefaultMemoryLimit = 1 << 30
	// minMemoryLimit refuses limits so low that the collector would run
	// almost all the time.
	minMemoryLimit = 32 << 20
)

// memoryLimit is the value of --max-memory. The zero value means the flag
// was not given: the default applies, unless GOMEMLIMIT is set.
type memoryLimit struct {
	bytes int64 // math.MaxInt64 for "off"
	set   bool
}

func (m *memoryLimit) String() string {
	switch {
	case !m.set:
		return ""
	case m.bytes == math.MaxInt64:
		return "off"
	}
	return formatSize(m.bytes)
}

func (m *memoryLimit) Set(s string) error {
	if strings.EqualFold(s, "off") {
		m.bytes, m.set = math.MaxInt64, true
		return nil
	}
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	if n < minMemoryLimit {
		return fmt.Errorf("%s is below the minimum of %s (use off for no limit)", s, formatSize(minMemoryLimit))
	}
	m.bytes, m.set = n, true
	return nil
}

// apply sets Go's soft memory limit: the flag's value, else (when GOMEMLIMIT
// is not set) the default. It returns the limit in force.
func (m *memoryLimit) apply() int64 {
	switch {
	case m.set:
		debug.SetMemoryLimit(m.bytes)
	case os.Getenv("GOMEMLIMIT") == "":
		debug.SetMemoryLimit(defaultMemoryLimit(physicalMemory()))
	}
	return debug.SetMemoryLimit(-1)
}

// defaultMemoryLimit is 1 GiB or half of ram, whichever is smaller; 1 GiB
// when ram is unknown (0).
func defaultMemoryLimit(ram uint64) int64 {
	if ram == 0 || ram/2 >= maxDefaultMemoryLimit {
		return maxDefaultMemoryLimit
	}
	return max(int64(ram/2), minMemoryLimit)
}

// sizeUnits maps a suffix to its multiplier: IEC suffixes and bare letters
// are powers of 1024, SI ones (kB, MB, GB, TB) powers of 1000.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// parseSize reads a byte count such as 512MiB, 2GiB, 1.5G or 1000000.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') {
		i--
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, or off)", s, t[i:])
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("size %q: want a number and a unit, e.g. 512MiB or 2GiB", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}

// formatSize prints n bytes with the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
