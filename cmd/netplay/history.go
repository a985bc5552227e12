package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// historyLimit is how many entries the shell keeps; the file is compacted
// when it holds twice as many.
const historyLimit = 1000

// historyPath returns the history file: $NETPLAY_HISTORY, else
// $XDG_STATE_HOME/netplay/history, else ~/.local/state/netplay/history.
func historyPath() (string, error) {
	if p := os.Getenv("NETPLAY_HISTORY"); p != "" {
		return p, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "netplay", "history"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state", "netplay", "history"), nil
}

// history is the shell's history file: one entry per line; an entry that
// spans lines (a multi-line chunk) or starts with a double quote is stored
// as a JSON string. It is used from the shell goroutine only.
type history struct {
	path  string
	limit int // 0 -> historyLimit
}

func (h *history) max() int {
	if h.limit <= 0 {
		return historyLimit
	}
	return h.limit
}

// load returns the newest entries, oldest first. A missing file is empty.
// A file grown past twice the limit is rewritten with the newest entries.
func (h *history) load() ([]string, error) {
	f, err := os.Open(h.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if e := decodeHistoryLine(sc.Text()); e != "" {
			entries = append(entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(entries) > 2*h.max() {
		entries = entries[len(entries)-h.max():]
		if err := h.rewrite(entries); err != nil {
			return entries, err
		}
	} else if len(entries) > h.max() {
		entries = entries[len(entries)-h.max():]
	}
	return entries, nil
}

// append adds one entry to the end of the file, creating it (0600, in a
// 0700 directory) if needed.
func (h *history) append(entry string) error {
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(encodeHistoryLine(entry) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (h *history) rewrite(entries []string) error {
	tmp := h.path + ".tmp"
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(encodeHistoryLine(e) + "\n")
	}
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, h.path)
}

func encodeHistoryLine(entry string) string {
	if strings.ContainsAny(entry, "\n\r") || strings.HasPrefix(entry, `"`) {
		b, _ := json.Marshal(entry)
		return string(b)
	}
	return entry
}

func decodeHistoryLine(line string) string {
	if strings.HasPrefix(line, `"`) {
		var s string
		if json.Unmarshal([]byte(line), &s) == nil {
			return s
		}
	}
	return line
}

// historyEntry makes one entry of a chunk's lines, without blank lines at
// its ends.
func historyEntry(lines []string) string {
	return strings.Trim(strings.Join(lines, "\n"), " \t\n")
}

// displayEntry is how an entry is recalled with the arrow keys: always on
// one line (oneLine), because the line editor cannot redraw a buffer that
// spans lines — it left stale copies of a recalled multi-line chunk on the
// screen.
func displayEntry(entry string) string {
	if !strings.ContainsAny(entry, "\n\r") {
		return entry
	}
	return oneLine(entry)
}
