package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHistoryPath(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name     string
		override string
		xdg      string
		want     string
	}{
		{name: "override", override: "/tmp/h", xdg: "/x", want: "/tmp/h"},
		{name: "xdg", xdg: "/x/state", want: "/x/state/netplay/history"},
		{name: "relative xdg ignored", xdg: "rel", want: filepath.Join(home, ".local/state/netplay/history")},
		{name: "default", want: filepath.Join(home, ".local/state/netplay/history")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("NETPLAY_HISTORY", tt.override)
			t.Setenv("XDG_STATE_HOME", tt.xdg)
			got, err := historyPath()
			if err != nil || got != tt.want {
				t.Fatalf("historyPath() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestHistoryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "history")
	h := &history{path: path}
	entries := []string{
		"x = 1",
		"function f()\n  return 1 -- one\nend",
		`"a quoted expression"`,
		`s = "tab\tand \\n escape"`,
	}
	for _, e := range entries {
		if err := h.append(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := (&history{path: path}).load()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\x00") != strings.Join(entries, "\x00") {
		t.Fatalf("loaded %q, want %q", got, entries)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("history file mode %v, %v; want 0600", st.Mode(), err)
	}
	if missing, err := (&history{path: path + ".none"}).load(); err != nil || missing != nil {
		t.Fatalf("missing file: %q, %v", missing, err)
	}
}

func TestHistoryCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	h := &history{path: path, limit: 5}
	for i := range 12 {
		if err := h.append(strings.Repeat("x", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.load()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0] != strings.Repeat("x", 8) || got[4] != strings.Repeat("x", 12) {
		t.Fatalf("loaded %q, want the newest 5", got)
	}
	data, _ := os.ReadFile(path)
	if n := strings.Count(string(data), "\n"); n != 5 {
		t.Fatalf("file has %d lines after compaction, want 5", n)
	}
}

func TestDisplayEntry(t *testing.T) {
	tests := []struct {
		name, entry, want string
	}{
		{name: "one line", entry: "x = 1", want: "x = 1"},
		{name: "joined", entry: "function f()\n  return 1\nend", want: "function f() return 1 end"},
		{name: "comment keeps newlines", entry: "f() -- c\ng()", want: "f() -- c\ng()"},
		{name: "long string keeps newlines", entry: "s = [[a\nb]]", want: "s = [[a\nb]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := displayEntry(tt.entry); got != tt.want {
				t.Fatalf("displayEntry(%q) = %q, want %q", tt.entry, got, tt.want)
			}
		})
	}
}
