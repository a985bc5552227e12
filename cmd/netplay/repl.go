package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/netplay-lab/netplay/runtime"
)

const (
	promptFirst    = "> "
	promptContinue = ">> "
	chunkName      = "stdin"
	exitHint       = "(to exit, press Ctrl-C again, Ctrl-D, or type :quit)"
	stopTimeout    = 5 * time.Second
)

// evaluator runs Lua chunks for the shell. *runtime.Runtime implements it
// through rtBackend; tests use a plain gopher-lua state.
type evaluator interface {
	// Eval compiles src and runs it as a coroutine on the script VM; it
	// blocks until the chunk finishes. onResult runs on the VM goroutine
	// with the chunk's return values. Cancelling ctx interrupts the chunk.
	Eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error
	// Do runs fn on the script VM goroutine and waits for it.
	Do(fn func(L *lua.LState)) error
}

// limitedEvaluator is an evaluator that can also run a chunk under the
// per-callback budget handlers run with, so a busy line cannot stall the
// servers on the same VM (the shell's default; :budget off turns it off).
type limitedEvaluator interface {
	// CanLimit reports whether EvalLimited is available.
	CanLimit() bool
	// EvalLimited is Eval under the budget: the chunk fails with the
	// budget's error once it has run that long without waiting.
	EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error
}

// evalError is a Lua error as the shell prints it: "stdin:1: message" and
// the traceback, if any.
type evalError struct {
	Msg       string
	Traceback string
}

func (e *evalError) Error() string { return e.Msg }

// connRow is one line of :conns.
type connRow struct {
	ID       uint64
	Network  string
	Local    string
	Remote   string
	Loop     int
	BytesIn  uint64
	BytesOut uint64
	Opened   time.Time
}

// helpTopic is one module's help text for :help.
type helpTopic struct {
	Name    string
	Summary string
	Body    string
}

// backend is what the shell needs besides evaluation. Any func may be nil
// when the runtime does not provide it.
type backend struct {
	ev    evaluator
	conns func() []connRow
	// closeConn closes conn id (:close ID) and describes it; nil when the
	// runtime has no engine.
	closeConn func(id uint64) (string, error)
	// connTracer finds conn id's trace switch (:trace ID) and describes
	// the conn; nil when the runtime has no engine.
	connTracer func(id uint64) (tracer, string, error)
	topics     func() []helpTopic
	stop       func(ctx context.Context) error
}

// shell is the interactive loop. It is used from one goroutine, except
// interrupt, which is safe for concurrent use.
type shell struct {
	be       backend
	io       lineIO
	out, err io.Writer
	color    bool
	version  string
	cmds     map[string]*command
	hist     *history // nil: no history file

	mu     sync.Mutex
	cancel context.CancelFunc // of the running chunk; nil when idle

	quit     bool
	failed   bool // a chunk failed (non-interactive input stops there, exit 1)
	noBudget bool // :budget off: lines run without the per-callback budget
}

func newShell(be backend, lio lineIO, color bool, version string) *shell {
	s := &shell{be: be, io: lio, out: lio.Stdout(), err: lio.Stderr(), color: color, version: version}
	s.cmds = commandRegistry()
	lio.SetCompleter(s.complete)
	return s
}

// run reads and evaluates chunks until :quit, Ctrl-D, a second Ctrl-C on an
// empty line, or the end of input, and returns the exit code.
func (s *shell) run() int {
	if s.io.Interactive() {
		fmt.Fprintf(s.out, "netplay %s — Lua shell on a live network engine. Type :help for help, Ctrl-D to exit.\n", s.version)
	}
	var chunk []string
	interrupted := false
	for !s.quit {
		if len(chunk) == 0 {
			s.io.SetPrompt(promptFirst)
		} else {
			s.io.SetPrompt(promptContinue)
		}
		line, err := s.io.Next()
		switch {
		case errors.Is(err, errInterrupt):
			if line != "" || len(chunk) > 0 {
				chunk, interrupted = nil, false
				continue
			}
			if interrupted {
				return s.exit(0)
			}
			interrupted = true
			fmt.Fprintln(s.err, s.paint(colorDim, exitHint))
			continue
		case errors.Is(err, io.EOF):
			return s.exit(0)
		case err != nil:
			fmt.Fprintln(s.err, "netplay: read input:", err)
			return s.exit(1)
		}
		interrupted = false
		if len(chunk) == 0 {
			trimmed := strings.TrimSpace(line)
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, ":") {
				s.remember([]string{trimmed})
				s.command(trimmed)
				if s.stopOnFailure() {
					return s.exit(1)
				}
				continue
			}
		}
		chunk = append(chunk, line)
		src, perr := compileChunk(chunk)
		if perr == errIncomplete {
			continue
		}
		s.remember(chunk)
		chunk = nil
		if perr != nil {
			s.failed = true
			fmt.Fprintln(s.err, s.paint(colorRed, perr.Error()))
		} else {
			s.eval(chunkName, src, true)
		}
		if s.stopOnFailure() {
			return s.exit(1)
		}
	}
	return s.exit(0)
}

// stopOnFailure reports whether a non-interactive session must stop because
// a chunk failed, as a script would.
func (s *shell) stopOnFailure() bool { return s.failed && !s.io.Interactive() }

// exit stops the runtime gracefully and returns code.
func (s *shell) exit(code int) int {
	if s.be.stop != nil {
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := s.be.stop(ctx); err != nil && code == 0 {
			fmt.Fprintln(s.err, "netplay: stop:", err)
		}
	}
	return code
}

// remember adds a chunk to the history as one entry.
func (s *shell) remember(lines []string) {
	entry := historyEntry(lines)
	if entry == "" {
		return
	}
	s.io.AddHistory(displayEntry(entry))
	if s.hist != nil {
		if err := s.hist.append(entry); err != nil {
			fmt.Fprintln(s.err, s.paint(colorDim, "netplay: history: "+err.Error()))
			s.hist = nil
		}
	}
}

// eval runs src and prints its values (when printValues) or its error.
// It reports whether the chunk succeeded.
func (s *shell) eval(name, src string, printValues bool) bool {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
	}()

	var text string
	onResult := func(L *lua.LState, vals []lua.LValue) {
		if printValues && len(vals) > 0 {
			text = formatValues(L, vals, s.color)
		}
	}
	var err error
	if le, ok := s.be.ev.(limitedEvaluator); ok && !s.noBudget && le.CanLimit() {
		err = le.EvalLimited(ctx, name, src, onResult)
	} else {
		err = s.be.ev.Eval(ctx, name, src, onResult)
	}
	if err != nil {
		s.failed = true
		if ctx.Err() != nil {
			fmt.Fprintln(s.err, s.paint(colorRed, "interrupted"))
			return false
		}
		s.printError(err)
		if strings.Contains(err.Error(), "exceeded its budget") {
			fmt.Fprintln(s.err, s.paint(colorDim, "(a line has the handlers' budget; :budget off lets lines run longer)"))
		}
		return false
	}
	if text != "" {
		fmt.Fprintln(s.out, text)
	}
	return true
}

// interrupt cancels the running chunk, if any, and reports whether there was
// one. It is safe for concurrent use (the SIGINT watcher calls it).
func (s *shell) interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return false
	}
	s.cancel()
	return true
}

// watchSIGINT turns SIGINT into interrupt while a chunk runs (the terminal
// is in cooked mode then, so Ctrl-C arrives as a signal). While readline
// reads, Ctrl-C arrives as a key instead; a SIGINT with no chunk running
// came between two reads and goes to the line editor as that key. The
// returned func stops watching.
func (s *shell) watchSIGINT() func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				if !s.interrupt() {
					s.io.InterruptInput()
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

func (s *shell) printError(err error) {
	var ee *evalError
	if !errors.As(err, &ee) {
		fmt.Fprintln(s.err, s.paint(colorRed, err.Error()))
		return
	}
	fmt.Fprintln(s.err, s.paint(colorRed, ee.Msg))
	if tb := usefulTraceback(ee.Traceback); tb != "" {
		fmt.Fprintln(s.err, s.paint(colorDim, tb))
	}
}

// usefulTraceback drops the frames that say nothing at a prompt (the main
// chunk, the Go entry) and returns "" when nothing else is left.
func usefulTraceback(tb string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(tb), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || t == "stack traceback:" || t == "[G]: ?" || strings.HasSuffix(t, "in main chunk") {
			continue
		}
		keep = append(keep, "\t"+t)
	}
	if len(keep) <= 1 {
		return ""
	}
	return "stack traceback:\n" + strings.Join(keep, "\n")
}

// errIncomplete says a chunk ends in the middle of a statement.
var errIncomplete = errors.New("incomplete chunk")

// compileChunk decides what to run for the lines typed so far. A chunk that
// is a valid expression list runs as "return <chunk>" so its values print
// (also when written "=expr"); an unfinished chunk returns errIncomplete; a
// syntax error comes back as "stdin:line: message".
func compileChunk(lines []string) (string, error) {
	src := strings.Join(lines, "\n")
	if rest, ok := strings.CutPrefix(strings.TrimLeft(src, " \t"), "="); ok {
		src = "return " + rest
	}
	if !strings.HasPrefix(strings.TrimSpace(src), "return") {
		if _, err := parse.Parse(strings.NewReader("return "+src+"\n"), chunkName); err == nil {
			return "return " + src, nil
		}
	}
	stmts, err := parse.Parse(strings.NewReader(src+"\n"), chunkName)
	if err == nil {
		return keepTopLocal(src, stmts), nil
	}
	if runtime.IsIncomplete(err) {
		return "", errIncomplete
	}
	return "", runtime.SyntaxError(chunkName, err, len(lines))
}

// keepTopLocal turns a chunk that starts with `local x = …` into `x = …`:
// each chunk typed at the prompt runs on its own, so a local would be gone
// on the next line (`local srv = net.listen(…)` then `srv.url` → nil). Only
// the leading statement, only with values (`local a, b` alone stays as
// is); `local function f` becomes `function f`. Files run by :load keep
// their locals.
func keepTopLocal(src string, stmts []ast.Stmt) string {
	if len(stmts) == 0 {
		return src
	}
	la, ok := stmts[0].(*ast.LocalAssignStmt)
	if !ok || len(la.Exprs) == 0 {
		return src
	}
	trimmed := strings.TrimLeft(src, " \t")
	rest, ok := strings.CutPrefix(trimmed, "local")
	if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
		return src
	}
	return src[:len(src)-len(trimmed)] + strings.TrimLeft(rest, " \t")
}
