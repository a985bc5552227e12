package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
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

// TestDisplayEntry checks that a recalled entry is one line (the line
// editor cannot redraw more) and means what the typed chunk meant: both
// forms run, and their results must be equal.
func TestDisplayEntry(t *testing.T) {
	tests := []struct {
		name, entry, want string
	}{
		{name: "one line", entry: "x = 1", want: "x = 1"},
		{name: "joined", entry: "function f()\n  return 1\nend", want: "function f() return 1 end"},
		{name: "line comment", entry: "local x = 1 -- c\nreturn x", want: "local x = 1 --[[ c]] return x"},
		{name: "comment with brackets", entry: "local x = 2 -- a]] b]\nreturn x", want: "local x = 2 --[=[ a]] b]]=] return x"},
		{name: "comment on the last line", entry: "local x = 3\nreturn x -- done", want: "local x = 3 return x -- done"},
		{name: "long comment", entry: "--[[ one\ntwo ]] return 4", want: "--[[ one two ]] return 4"},
		{name: "long string", entry: "return [[a\nb]]", want: `return "a\nb"`},
		{name: "long string first newline", entry: "return [==[\nx]]\n]==]", want: `return "x]]\n"`},
		{name: "long string on one line", entry: "local s = [[--]]\nreturn s", want: "local s = [[--]] return s"},
		{name: "string with dashes", entry: "local s = 'a--b'\nreturn s", want: "local s = 'a--b' return s"},
		{name: "continued string", entry: "return \"a\\\nb\"", want: `return "a\nb"`},
		{name: "escaped quote", entry: "return 'it\\'s', -- x\n1", want: `return 'it\'s', --[[ x]] 1`},
	}
	L := lua.NewState()
	defer L.Close()
	run := func(src string) string {
		top := L.GetTop()
		if err := L.DoString(src); err != nil {
			return "error: " + err.Error()
		}
		var out []string
		for i := top + 1; i <= L.GetTop(); i++ {
			out = append(out, quoteLua(L.Get(i).String(), 1<<20))
		}
		L.SetTop(top)
		return strings.Join(out, ",")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := displayEntry(tt.entry)
			if got != tt.want {
				t.Errorf("displayEntry(%q) = %q, want %q", tt.entry, got, tt.want)
			}
			if strings.ContainsAny(got, "\n\r") {
				t.Errorf("displayEntry(%q) spans lines: %q", tt.entry, got)
			}
			if a, b := run(tt.entry), run(got); a != b || strings.HasPrefix(a, "error") {
				t.Errorf("typed %q gives %s; recalled %q gives %s", tt.entry, a, got, b)
			}
		})
	}
}
