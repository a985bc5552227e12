package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "512MiB", want: 512 << 20},
		{in: "2GiB", want: 2 << 30},
		{in: "2gib", want: 2 << 30},
		{in: "1.5G", want: 3 << 29},
		{in: "100MB", want: 100e6},
		{in: "64k", want: 64 << 10},
		{in: "1048576", want: 1 << 20},
		{in: "7B", want: 7},
		{in: "lots", err: true},
		{in: "2XB", err: true},
		{in: "-1GiB", err: true},
		{in: "", err: true},
		{in: "1e30TiB", err: true},
	} {
		got, err := parseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestDefaultMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		ram  uint64
		want int64
	}{
		{ram: 0, want: 1 << 30},
		{ram: 16 << 30, want: 1 << 30},
		{ram: 2 << 30, want: 1 << 30},
		{ram: 1 << 30, want: 512 << 20},
		{ram: 8 << 20, want: minMemoryLimit},
	} {
		if got := defaultMemoryLimit(tc.ram); got != tc.want {
			t.Errorf("defaultMemoryLimit(%d) = %d, want %d", tc.ram, got, tc.want)
		}
	}
	if physicalMemory() == 0 {
		t.Error("physicalMemory() = 0 on a machine whose RAM the OS reports")
	}
}

// TestMemoryLimitApply sets the process's soft limit as --max-memory does
// and restores it.
func TestMemoryLimitApply(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	var m memoryLimit
	if got := m.apply(); got != defaultMemoryLimit(physicalMemory()) {
		t.Errorf("default limit = %d, want %d", got, defaultMemoryLimit(physicalMemory()))
	}
	if err := m.Set("768MiB"); err != nil {
		t.Fatal(err)
	}
	if got := m.apply(); got != 768<<20 {
		t.Errorf("--max-memory 768MiB: limit %d", got)
	}
	if err := m.Set("off"); err != nil {
		t.Fatal(err)
	}
	if got := m.apply(); got != math.MaxInt64 {
		t.Errorf("--max-memory off: limit %d", got)
	}
	if m.String() != "off" {
		t.Errorf("String() = %q", m.String())
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"run", "shell", "version", "help", "conns", "budget", "max-conns"}
	for in, want := range map[string]string{
		"rnu": "run", "rn": "run", "verison": "version", "conn": "conns", "hlep": "help",
		"bugdet": "budget", "max-con": "max-conns", "x": "", "frobnicate": "", "": "",
	} {
		if got := closest(in, cands); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
