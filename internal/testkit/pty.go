package testkit

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
)

// PTYTimeout bounds every wait of a PTY: Expect, WaitScreen and Wait.
const PTYTimeout = 10 * time.Second

// PTY is a program running on a pseudo-terminal, driven as a person at a
// terminal would: keys in with Send, and what it writes read three ways —
// Raw (the bytes), Plain (control sequences dropped, for Expect) and Screen
// (lines as a terminal shows them after the line editor's redraws). A
// reader goroutine collects the output. Its methods are for the test's
// goroutine; the zero value is not usable (use StartPTY).
type PTY struct {
	t    testing.TB
	Cmd  *exec.Cmd
	tty  *os.File
	exit chan error

	mu   sync.Mutex
	raw  []byte
	more chan struct{} // a token after each read

	mark int // Expect searches Plain from here
}

// StartPTY starts cmd on a pseudo-terminal of rows×cols. The program is
// killed when the test ends; if the test failed, what it wrote is logged.
func StartPTY(t testing.TB, cmd *exec.Cmd, rows, cols uint16) *PTY {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatalf("start %s on a pty: %v", cmd.Path, err)
	}
	p := &PTY{t: t, Cmd: cmd, tty: tty, exit: make(chan error, 1), more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.raw = append(p.raw, buf[:n]...)
				p.mu.Unlock()
				select {
				case p.more <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { p.exit <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		tty.Close()
		if t.Failed() {
			t.Logf("%s wrote:\n%s", cmd.Path, p.Plain())
		}
	})
	return p
}

// Send types s (use "\r" for Enter, "\x03" for Ctrl-C, "\x04" for Ctrl-D).
func (p *PTY) Send(s string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(s)); err != nil {
		p.t.Fatalf("pty write: %v", err)
	}
}

// Raw returns every byte written so far.
func (p *PTY) Raw() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.raw)
}

// Plain returns the output with terminal control sequences, carriage
// returns and backspaces dropped; an unfinished sequence at the end is left
// out until the rest arrives, so the result only ever grows.
func (p *PTY) Plain() string { return PlainText(p.Raw()) }

// Expect waits until the plain output after the previous match contains
// want and moves past it. It returns the text up to the end of the match.
func (p *PTY) Expect(want string) string {
	p.t.Helper()
	return p.ExpectRe(regexp.MustCompile(regexp.QuoteMeta(want)))
}

// ExpectRe is Expect for a pattern.
func (p *PTY) ExpectRe(re *regexp.Regexp) string {
	p.t.Helper()
	deadline := time.NewTimer(PTYTimeout)
	defer deadline.Stop()
	for {
		text := p.Plain()
		rest := text[min(p.mark, len(text)):]
		if loc := re.FindStringIndex(rest); loc != nil {
			p.mark += loc[1]
			return rest[:loc[1]]
		}
		select {
		case <-p.more:
		case <-deadline.C:
			p.t.Fatalf("timed out after %v waiting for %q", PTYTimeout, re)
		}
	}
}

// Screen returns the lines shown so far, as a terminal would show them:
// carriage returns, backspaces and the line editor's erases (to the end of
// the line or screen) applied, other escapes dropped.
func (p *PTY) Screen() []string { return ScreenLines(p.Raw()) }

// ScreenFrom returns the screen from line mark on, joined by newlines.
func (p *PTY) ScreenFrom(mark int) string {
	lines := p.Screen()
	return strings.Join(lines[min(mark, len(lines)):], "\n")
}

// WaitScreen waits until cond holds for the screen from line mark on; the
// test fails after PTYTimeout naming what, with the screen and the last
// bytes as sent.
func (p *PTY) WaitScreen(mark int, what string, cond func(string) bool) {
	p.t.Helper()
	deadline := time.Now().Add(PTYTimeout)
	for !cond(p.ScreenFrom(mark)) {
		if time.Now().After(deadline) {
			raw := p.Raw()
			p.t.Fatalf("no %s within %v; the screen:\n%s\n\nthe last bytes as sent:\n%q",
				what, PTYTimeout, p.ScreenFrom(0), raw[max(0, len(raw)-1500):])
		}
		time.Sleep(PollInterval)
	}
}

// Wait waits for the program to exit and returns its exit code; the test
// fails if it has not exited within PTYTimeout.
func (p *PTY) Wait() int {
	p.t.Helper()
	select {
	case err := <-p.exit:
		code, ok := ExitCode(err)
		if !ok {
			p.t.Fatalf("wait for %s: %v", p.Cmd.Path, err)
		}
		return code
	case <-time.After(PTYTimeout):
		p.t.Fatalf("%s did not exit within %v", p.Cmd.Path, PTYTimeout)
		return -1
	}
}

var (
	// escRE matches a complete escape sequence: CSI, OSC, or a keypad mode switch.
	escRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]`)
	// partialEscRE matches an escape sequence cut off at the end of the output.
	partialEscRE = regexp.MustCompile(`\x1b(\[[0-9;?]*[ -/]*)?$`)
)

// PlainText drops escape sequences (an unfinished one at the end too),
// carriage returns and backspaces from terminal output.
func PlainText(s string) string {
	s = partialEscRE.ReplaceAllString(s, "")
	return strings.NewReplacer("\r", "", "\b", "").Replace(escRE.ReplaceAllString(s, ""))
}

// ScreenLines replays terminal output onto lines: "\r" returns to column 0,
// "\b" steps back, "\n" moves down, ESC[K erases to the end of the line
// (ESC[1K from its start, ESC[2K all of it) and ESC[J to the end of the
// screen; other escapes and control bytes are dropped. Trailing spaces are trimmed.
func ScreenLines(raw string) []string {
	lines := [][]rune{nil}
	row, col := 0, 0
	for i := 0; i < len(raw); {
		if m := escRE.FindStringIndex(raw[i:]); m != nil && m[0] == 0 {
			seq := raw[i : i+m[1]]
			switch {
			case seq == "\x1b[2K": // the whole line; the cursor stays
				lines[row] = nil
			case seq == "\x1b[1K": // from the start to the cursor
				for j := 0; j <= col && j < len(lines[row]); j++ {
					lines[row][j] = ' '
				}
			case strings.HasSuffix(seq, "J") || strings.HasSuffix(seq, "K"): // to the end
				if col < len(lines[row]) {
					lines[row] = lines[row][:col]
				}
				if strings.HasSuffix(seq, "J") {
					lines = lines[:row+1]
				}
			}
			i += m[1]
			continue
		}
		r, size := utf8.DecodeRuneInString(raw[i:])
		i += size
		switch r {
		case '\r':
			col = 0
		case '\b':
			if col > 0 {
				col--
			}
		case '\n':
			row, col = row+1, 0
			if row == len(lines) {
				lines = append(lines, nil)
			}
		default:
			if r < ' ' {
				continue
			}
			for len(lines[row]) < col {
				lines[row] = append(lines[row], ' ')
			}
			if col < len(lines[row]) {
				lines[row][col] = r
			} else {
				lines[row] = append(lines[row], r)
			}
			col++
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(string(l), " ")
	}
	return out
}
