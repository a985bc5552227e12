package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/chzyer/readline"
)

// errInterrupt is returned by lineIO.Next when the user pressed Ctrl-C while
// typing; the text typed so far comes back with it and is discarded.
var errInterrupt = errors.New("interrupt")

// completer proposes completions for the text before pos in line. It returns
// whole words and how many runes before pos they replace (the typed prefix).
type completer func(line string, pos int) (words []string, prefixLen int)

// lineIO is what the shell loop reads lines from and writes output to. A
// terminal (readline) and a plain reader (a pipe, a test) implement it, so
// both share one loop. Methods are called from the shell goroutine only,
// except Stdout and Stderr, whose writers are safe for concurrent use.
type lineIO interface {
	// Next reads one line without its newline. It returns errInterrupt on
	// Ctrl-C and io.EOF at the end of input (Ctrl-D on an empty line).
	Next() (string, error)
	// SetPrompt sets the prompt shown by the next call to Next.
	SetPrompt(prompt string)
	// SetCompleter installs tab completion; a nil completer turns it off.
	SetCompleter(c completer)
	// AddHistory makes entry recallable with the arrow keys (memory only;
	// the shell's history file is kept by history.go).
	AddHistory(entry string)
	// Interactive reports whether a person is typing (a terminal).
	Interactive() bool
	// Stdout and Stderr return writers that print above the line being
	// typed without garbling it.
	Stdout() io.Writer
	Stderr() io.Writer
	// Close restores the terminal.
	Close() error
}

// termIO is a lineIO on a terminal through github.com/chzyer/readline.
type termIO struct {
	rl   *readline.Instance
	comp completer
}

// newTermIO opens readline on the process's stdin/stdout. Auto-saved history
// is off: the shell saves whole chunks itself.
func newTermIO() (*termIO, error) {
	t := &termIO{}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 promptFirst,
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		AutoComplete:           readlineCompleter{t},
		Stdin:                  os.Stdin,
		Stdout:                 os.Stdout,
		Stderr:                 os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	t.rl = rl
	return t, nil
}

func (t *termIO) Next() (string, error) {
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return line, errInterrupt
	}
	return line, err
}

func (t *termIO) SetPrompt(p string)       { t.rl.SetPrompt(p) }
func (t *termIO) SetCompleter(c completer) { t.comp = c }
func (t *termIO) AddHistory(entry string)  { _ = t.rl.SaveHistory(entry) }
func (t *termIO) Interactive() bool        { return true }
func (t *termIO) Stdout() io.Writer        { return t.rl.Stdout() }
func (t *termIO) Stderr() io.Writer        { return t.rl.Stderr() }
func (t *termIO) Close() error             { return t.rl.Close() }

// readlineCompleter adapts a completer to readline.AutoCompleter, which wants
// the suffixes to insert after the typed prefix.
type readlineCompleter struct{ t *termIO }

func (rc readlineCompleter) Do(line []rune, pos int) ([][]rune, int) {
	if rc.t.comp == nil {
		return nil, 0
	}
	words, n := rc.t.comp(string(line[:pos]), pos)
	out := make([][]rune, 0, len(words))
	for _, w := range words {
		r := []rune(w)
		if len(r) >= n {
			out = append(out, r[n:])
		}
	}
	return out, n
}

// plainIO is a lineIO over any reader (a pipe or a test): no prompts, no
// completion, no history.
type plainIO struct {
	r      *bufio.Reader
	stdout io.Writer
	stderr io.Writer
}

func newPlainIO(r io.Reader, stdout, stderr io.Writer) *plainIO {
	return &plainIO{r: bufio.NewReader(r), stdout: stdout, stderr: stderr}
}

func (p *plainIO) Next() (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), err
}

func (p *plainIO) SetPrompt(string)       {}
func (p *plainIO) SetCompleter(completer) {}
func (p *plainIO) AddHistory(string)      {}
func (p *plainIO) Interactive() bool      { return false }
func (p *plainIO) Stdout() io.Writer      { return p.stdout }
func (p *plainIO) Stderr() io.Writer      { return p.stderr }
func (p *plainIO) Close() error           { return nil }
