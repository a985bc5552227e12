package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/chzyer/readline"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/netplay-lab/netplay/runtime"
)

// runShellOptions creates the runtime with opts, its print and logs routed
// through the line editor so that handler output appears above the prompt,
// and runs the shell on it. With stdin not a terminal it runs stdin as one
// script instead, as lua does. The shell stops the runtime (gracefully)
// before it returns.
func runShellOptions(opts runtime.Options) int {
	if !readline.IsTerminal(int(os.Stdin.Fd())) {
		rt, err := runtime.New(opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, "netplay:", err)
			return exitError
		}
		return runPiped(rt, os.Stdin, os.Stderr)
	}
	tio, err := newTermIO()
	if err != nil {
		fmt.Fprintln(os.Stderr, "netplay: shell:", err)
		return exitError
	}
	defer tio.Close()
	opts.Stdout, opts.Stderr = tio.Stdout(), tio.Stderr()
	rt, err := runtime.New(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netplay:", err)
		return exitError
	}
	return shellOn(rt, tio)
}

func shellOn(rt *runtime.Runtime, tio *termIO) int {
	s := newShell(runtimeBackend(rt), tio, useColor(readline.IsTerminal(int(os.Stdout.Fd()))), version)
	if path, err := historyPath(); err == nil {
		s.hist = &history{path: path}
		entries, err := s.hist.load()
		if err != nil {
			fmt.Fprintln(s.err, s.paint(colorDim, "netplay: history: "+err.Error()))
		}
		for _, e := range entries {
			tio.AddHistory(displayEntry(e))
		}
	}
	stop := s.watchSIGINT()
	defer stop()
	return s.run()
}

// runPiped runs all of in as one chunk named "stdin", waits until nothing
// keeps it alive, and stops rt: exit 0, or 1 on a Lua error.
func runPiped(rt *runtime.Runtime, in io.Reader, stderr io.Writer) int {
	src, err := io.ReadAll(in)
	code := exitOK
	if err == nil {
		// syntax errors print as "stdin:line: message", as in the shell
		if _, perr := parse.Parse(bytes.NewReader(src), chunkName); perr != nil {
			err = runtime.SyntaxError(chunkName, perr, bytes.Count(src, []byte("\n"))+1)
		}
	}
	if err == nil {
		err = rt.RunString(chunkName, string(src))
	}
	if err == nil {
		err = rt.Wait(context.Background())
	}
	if err != nil {
		printError(stderr, err)
		code = exitError
	}
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	rt.Stop(ctx)
	return code
}

// runtimeBackend adapts a runtime to what the shell needs.
func runtimeBackend(rt *runtime.Runtime) backend {
	return backend{
		ev:         rtEvaluator{rt},
		topics:     moduleTopics,
		stop:       rt.Stop,
		conns:      engineConns(rt),
		closeConn:  engineClose(rt),
		connTracer: engineTracer(rt),
	}
}

// rtEvaluator is an evaluator on a runtime; Lua errors become evalError.
type rtEvaluator struct{ rt *runtime.Runtime }

func (e rtEvaluator) Eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	err := e.rt.Eval(ctx, name, src, onResult)
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		return &evalError{Msg: se.Msg, Traceback: se.Traceback}
	}
	return err
}

func (e rtEvaluator) Do(fn func(L *lua.LState)) error { return e.rt.Do(fn) }

// runtimeLimited is the runtime method a budgeted shell line needs: Eval
// with the chunk under the per-callback budget. Asserted, so the shell
// builds while the runtime does not have it yet; until then lines run
// without a budget and :budget says so.
type runtimeLimited interface {
	EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error
}

func (e rtEvaluator) CanLimit() bool {
	_, ok := any(e.rt).(runtimeLimited)
	return ok
}

func (e rtEvaluator) EvalLimited(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	rl, ok := any(e.rt).(runtimeLimited)
	if !ok {
		return e.Eval(ctx, name, src, onResult)
	}
	err := rl.EvalLimited(ctx, name, src, onResult)
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		return &evalError{Msg: se.Msg, Traceback: se.Traceback}
	}
	return err
}

// moduleTopics turns the runtime's module registry (the source of
// docs/lua-api.md too) into :help topics.
func moduleTopics() []helpTopic {
	mods := runtime.Modules()
	out := make([]helpTopic, 0, len(mods))
	for _, m := range mods {
		name := m.Name
		if name == "_G" {
			name = "globals"
		}
		summary, _, _ := strings.Cut(m.Doc, "\n")
		var b strings.Builder
		b.WriteString(wrapText(name+" — "+strings.TrimSpace(m.Doc), helpWidth, ""))
		for _, f := range m.Funcs {
			sig := f.Signature
			if sig == "" {
				sig = f.Name
			}
			b.WriteString("\n" + wrapText(sig, helpWidth, "  ") + wrapText(f.Doc, helpWidth, "      "))
			if f.Example != "" {
				for _, l := range strings.Split(strings.TrimRight(f.Example, "\n"), "\n") {
					fmt.Fprintf(&b, "      | %s\n", l)
				}
			}
		}
		out = append(out, helpTopic{Name: name, Summary: summary, Body: b.String()})
	}
	return out
}

// helpWidth is the column :help wraps its text at, so that a terminal's own
// wrapping does not lose the indentation of long descriptions.
const helpWidth = 80

// wrapText breaks text into lines of at most width columns, each starting
// with indent, at spaces (a word longer than a line stays whole); the
// text's own line breaks are kept. Each line ends in "\n".
func wrapText(text string, width int, indent string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line := indent
		for _, word := range strings.Fields(para) {
			switch {
			case line == indent:
				line += word
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
				b.WriteString(line + "\n")
				line = indent + word
			default:
				line += " " + word
			}
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
