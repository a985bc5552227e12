package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"

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
	// InterruptInput cancels the line being read, or the next one if no
	// read is under way, as Ctrl-C typed into the line editor would. It is
	// for a Ctrl-C that reached the process as SIGINT because it came
	// between two reads, when the terminal was not in raw mode. Safe for
	// concurrent use.
	InterruptInput()
	// Close restores the terminal.
	Close() error
}

// termIO is a lineIO on a terminal through github.com/chzyer/readline.
type termIO struct {
	rl      *readline.Instance
	comp    completer
	stdin   *stdinMux
	stdout  *promptWriter
	stderr  *promptWriter
	mu      sync.Mutex // guards reading against the writers
	reading bool       // a Readline call is under way
}

// newTermIO opens readline on the process's stdin/stdout. Auto-saved history
// is off: the shell saves whole chunks itself.
func newTermIO() (*termIO, error) {
	t := &termIO{stdin: newStdinMux(os.Stdin)}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 promptFirst,
		HistoryLimit:           historyLimit,
		DisableAutoSaveHistory: true,
		HistorySearchFold:      true,
		InterruptPrompt:        "^C",
		AutoComplete:           readlineCompleter{t},
		Stdin:                  t.stdin,
		Stdout:                 os.Stdout,
		Stderr:                 os.Stderr,
	})
	if err != nil {
		return nil, err
	}
	t.rl = rl
	ready := rl.Terminal.IsReading
	t.stdout = &promptWriter{t: t, editor: rl.Stdout(), plain: os.Stdout, editorReady: ready}
	t.stderr = &promptWriter{t: t, editor: rl.Stderr(), plain: os.Stderr, editorReady: ready}
	return t, nil
}

// promptWriter prints above the line being typed while the editor reads a
// line, and plainly otherwise. (readline's own writers decide by whether
// its input goroutine waits for a key, which it may also do between two
// reads; then every write would redraw a prompt that is not there.)
//
// readline draws the prompt before its input goroutine starts waiting for
// a key, and between two keys that goroutine briefly does not wait; an
// editor write in such a window is printed plainly and the prompt is not
// drawn again, so the screen ends without one. Write therefore waits, up to
// editorWait, until editorReady reports the editor waiting for a key.
type promptWriter struct {
	t             *termIO
	editor, plain io.Writer
	editorReady   func() bool // readline's terminal waits for a key
}

// editorWait bounds how long a write waits for the line editor to be ready
// (it takes microseconds); past it the write goes out plainly.
const editorWait = 50 * time.Millisecond

func (w *promptWriter) Write(p []byte) (int, error) {
	deadline := time.Now().Add(editorWait)
	for {
		w.t.mu.Lock()
		if !w.t.reading {
			defer w.t.mu.Unlock()
			return w.plain.Write(p)
		}
		if w.editorReady == nil || w.editorReady() || time.Now().After(deadline) {
			defer w.t.mu.Unlock()
			return w.editor.Write(p)
		}
		w.t.mu.Unlock()
		time.Sleep(100 * time.Microsecond)
	}
}

func (t *termIO) setReading(on bool) {
	t.mu.Lock()
	t.reading = on
	t.mu.Unlock()
}

func (t *termIO) Next() (string, error) {
	t.setReading(true)
	line, err := t.rl.Readline()
	t.setReading(false)
	if errors.Is(err, readline.ErrInterrupt) {
		return line, errInterrupt
	}
	return line, err
}

func (t *termIO) SetPrompt(p string)       { t.rl.SetPrompt(p) }
func (t *termIO) SetCompleter(c completer) { t.comp = c }
func (t *termIO) AddHistory(entry string)  { _ = t.rl.SaveHistory(entry) }
func (t *termIO) Interactive() bool        { return true }
func (t *termIO) Stdout() io.Writer        { return t.stdout }
func (t *termIO) Stderr() io.Writer        { return t.stderr }
func (t *termIO) InterruptInput()          { t.stdin.inject(ctrlC) }
func (t *termIO) Close() error             { return t.rl.Close() }

// ctrlC is the byte the terminal sends for Ctrl-C in raw mode.
const ctrlC = 0x03

// stdinMux is the line editor's input: what the terminal sends, plus keys
// the shell injects. readline switches the terminal to raw mode only while
// it reads a line; a Ctrl-C pressed in between (say, right after the
// previous line was entered) becomes SIGINT instead of a key, and the
// shell hands it back to the editor through inject so it is not lost.
type stdinMux struct {
	pr *io.PipeReader
	pw *io.PipeWriter
	mu sync.Mutex // one writer to pw at a time
}

func newStdinMux(in io.Reader) *stdinMux {
	pr, pw := io.Pipe()
	m := &stdinMux{pr: pr, pw: pw}
	go func() {
		buf := make([]byte, 1024)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				m.mu.Lock()
				_, werr := pw.Write(buf[:n])
				m.mu.Unlock()
				if werr != nil {
					return
				}
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
	}()
	return m
}

func (m *stdinMux) Read(p []byte) (int, error) { return m.pr.Read(p) }
func (m *stdinMux) Close() error               { return m.pr.Close() }

// inject queues b after what the terminal sent so far. It does not wait for
// the editor to read it.
func (m *stdinMux) inject(b byte) {
	go func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		_, _ = m.pw.Write([]byte{b})
	}()
}

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
func (p *plainIO) InterruptInput()        {}
func (p *plainIO) Close() error           { return nil }
