package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// state is a learner's progress, kept in $XDG_STATE_HOME/netplay/labs.json
// (default ~/.local/state/netplay/labs.json). The zero value is "nothing
// started".
type state struct {
	Labs map[string]*progress `json:"labs"`
}

// progress is one lab's entry.
type progress struct {
	File   string `json:"file"`   // the started starter.lua (absolute)
	Stage  int    `json:"stage"`  // the stage that failed last (1-based); 0 before a check
	Stages int    `json:"stages"` // how many stages the lab has
	Passed bool   `json:"passed"` // every stage passed once
}

// statePath is the progress file.
func statePath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("progress: no XDG_STATE_HOME and no home folder: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "netplay", "labs.json"), nil
}

// loadState reads the progress file; a missing one is an empty state.
func loadState() (*state, error) {
	st := &state{Labs: map[string]*progress{}}
	p, err := statePath()
	if err != nil {
		return st, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("progress: read %s: %w", p, err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return &state{Labs: map[string]*progress{}}, fmt.Errorf("progress: %s: %w (starting afresh)", p, err)
	}
	if st.Labs == nil {
		st.Labs = map[string]*progress{}
	}
	return st, nil
}

// save writes the progress file atomically (a temp file renamed over it).
func (st *state) save() error {
	p, err := statePath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

func (st *state) entry(name string) *progress {
	e := st.Labs[name]
	if e == nil {
		e = &progress{}
		st.Labs[name] = e
	}
	return e
}

func (st *state) started(name, file string) { st.entry(name).File = file }

func (st *state) file(name string) string {
	if e := st.Labs[name]; e != nil {
		return e.File
	}
	return ""
}

func (st *state) checked(name string, r *Result) {
	e := st.entry(name)
	e.Stages = len(r.Stages)
	if r.Passed() {
		e.Passed, e.Stage = true, 0
		return
	}
	e.Stage = r.Failed + 1
}

// status is what `lab list` shows: not started, started, stage k of n, passed.
func (st *state) status(name string) string {
	e := st.Labs[name]
	switch {
	case e == nil:
		return "not started"
	case e.Passed:
		return "passed"
	case e.Stage > 0:
		return fmt.Sprintf("stage %d of %d", e.Stage, e.Stages)
	}
	return "started"
}
