package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func newTestShell(t *testing.T, steps []step) (*shell, *scriptIO, *fakeVM) {
	t.Helper()
	vm := newFakeVM(t)
	sio := &scriptIO{steps: steps}
	be := backend{
		ev: vm,
		topics: func() []helpTopic {
			return []helpTopic{{Name: "net", Summary: "servers and clients", Body: "net.listen(url, opts) -> srv"}}
		},
	}
	return newShell(be, sio, false, "test"), sio, vm
}

func TestShellChunks(t *testing.T) {
	tests := []struct {
		name    string
		input   []string
		want    []string // substrings of the output, in order
		notWant []string
	}{
		{name: "expression", input: []string{"1 + 1"}, want: []string{"2\n"}},
		{name: "equals form", input: []string{"=1, 'a'"}, want: []string{"1\t\"a\"\n"}},
		{name: "statement prints nothing", input: []string{"x = 5", "x * 2"}, want: []string{"10\n"}, notWant: []string{"nil"}},
		{name: "multi-line function", input: []string{"function sq(n)", "  return n * n", "end", "sq(7)"}, want: []string{"49\n"}},
		{name: "call values print", input: []string{"string.rep('ab', 2)"}, want: []string{`"abab"`}},
		{name: "table", input: []string{"{1, 2, a = 'x'}"}, want: []string{`{ 1, 2, a = "x" }`}},
		{name: "syntax error goes on", input: []string{"x = = 1", "'after'"},
			want: []string{"stdin:1:", `"after"`}},
		{name: "runtime error goes on", input: []string{"error('boom')", "'after'"},
			want: []string{"stdin:1: boom", `"after"`}},
		{name: "unfinished string is an error", input: []string{"x = 'abc", "'after'"},
			want: []string{"stdin:1: unterminated string", `"after"`}},
		{name: "multi-line call", input: []string{"math.max(1,", "5)"}, want: []string{"5\n"}},
		{name: "unknown command", input: []string{":nope", "1"}, want: []string{"unknown command :nope (try :help)", "1\n"}},
		{name: "misspelt command", input: []string{":conn", ":hlep"}, want: []string{"unknown command :conn (did you mean :conns?)", "unknown command :hlep (did you mean :help?)"}},
		{name: "help", input: []string{":help"}, want: []string{":conns", ":help [topic]", ":load FILE", ":quit", ":stats", "net", "Ctrl-C"}},
		{name: "help topic", input: []string{":help net"}, want: []string{"net.listen(url, opts) -> srv"}},
		{name: "help command", input: []string{":help :load"}, want: []string{":load FILE [ARGS…]"}},
		{name: "quit stops reading", input: []string{":quit", "'never'"}, notWant: []string{"never"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sio, _ := newTestShell(t, lines(tt.input...))
			if code := s.run(); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
			out := sio.out.String()
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order); output:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, nw := range tt.notWant {
				if strings.Contains(out, nw) {
					t.Fatalf("output has %q; output:\n%s", nw, out)
				}
			}
		})
	}
}

func TestShellPrompts(t *testing.T) {
	s, sio, _ := newTestShell(t, lines("if true then", "x = 1", "end", "x"))
	s.run()
	want := []string{promptFirst, promptContinue, promptContinue, promptFirst, promptFirst}
	if strings.Join(sio.prompts, "|") != strings.Join(want, "|") {
		t.Fatalf("prompts %q, want %q", sio.prompts, want)
	}
	if len(sio.history) != 2 || sio.history[0] != "if true then x = 1 end" || sio.history[1] != "x" {
		t.Fatalf("history %q: want the chunk as one entry, then x", sio.history)
	}
}

func TestShellCtrlC(t *testing.T) {
	tests := []struct {
		name     string
		steps    []step
		wantOut  []string
		wantNot  []string
		wantRead int // steps consumed
	}{
		{name: "discards a half-typed chunk", steps: []step{
			{line: "function f("}, {line: "x", err: errInterrupt}, {line: "'fresh'"},
		}, wantOut: []string{`"fresh"`}, wantRead: 3},
		{name: "empty line hints, second exits", steps: []step{
			{err: errInterrupt}, {err: errInterrupt}, {line: "'never'"},
		}, wantOut: []string{"Ctrl-C again"}, wantNot: []string{"never"}, wantRead: 2},
		{name: "hint resets after a line", steps: []step{
			{err: errInterrupt}, {line: "1"}, {err: errInterrupt}, {line: "'still here'"},
		}, wantOut: []string{`"still here"`}, wantRead: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sio, _ := newTestShell(t, tt.steps)
			if code := s.run(); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			out := sio.out.String()
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Fatalf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Fatalf("output has %q:\n%s", w, out)
				}
			}
			if sio.i != tt.wantRead {
				t.Fatalf("read %d steps, want %d", sio.i, tt.wantRead)
			}
		})
	}
}

func TestShellInterruptRunningChunk(t *testing.T) {
	s, sio, _ := newTestShell(t, lines("while true do end", "'alive'"))
	go func() {
		// wait until the loop is running, then press Ctrl-C once
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if s.interrupt() {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	done := make(chan int)
	go func() { done <- s.run() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the running chunk was not interrupted")
	}
	out := sio.out.String()
	if !strings.Contains(out, "interrupted") || !strings.Contains(out, `"alive"`) {
		t.Fatalf("want interrupted then the next chunk to run; output:\n%s", out)
	}
}

func TestShellNonInteractiveStopsOnError(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantCode int
		wantOut  string
		wantNot  string
	}{
		{name: "ok", input: "x = 2\ny = x * 21\n", wantCode: 0},
		{name: "error exits 1", input: "error('bad')\nx = 1\n", wantCode: 1, wantOut: "stdin:1: bad"},
		{name: "syntax error exits 1", input: "x = = 2\n", wantCode: 1, wantOut: "stdin:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out syncBuffer
			vm := newFakeVM(t)
			s := newShell(backend{ev: vm}, newPlainIO(strings.NewReader(tt.input), &out, &out), false, "test")
			if code := s.run(); code != tt.wantCode {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tt.wantCode, out.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output lacks %q:\n%s", tt.wantOut, out.String())
			}
		})
	}
}

func TestShellLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lib.lua")
	if err := os.WriteFile(file, []byte("loaded_value = 40 + 2\nreturn 'ignored'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.lua")
	if err := os.WriteFile(bad, []byte("\nerror('in file')\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, sio, _ := newTestShell(t, lines(":load "+file, "loaded_value", ":load "+bad, ":load "+filepath.Join(dir, "missing.lua")))
	s.run()
	out := sio.out.String()
	for _, w := range []string{"42\n", bad + ":2: in file", "missing.lua: no such file"} {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "ignored") {
		t.Fatalf(":load printed the file's return value:\n%s", out)
	}
}

// :load FILE ARGS… sets arg as netplay run does, so the tutorial's
// echo.lua (which reads its URL from arg[1]) runs in the shell.
func TestShellLoadArgs(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "args.lua")
	if err := os.WriteFile(file, []byte(`print("arg", arg[0] == ..., arg[1], arg[2], arg[3], #arg)`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// the chunk gets no varargs, so arg[0] == ... compares with nil: false
	s, sio, _ := newTestShell(t, lines(
		":load "+file+" tcp://127.0.0.1:9000 'two words' \"q\\\"\"",
		":load "+file,
		":load "+file+" 'open",
		"arg[0] ~= nil"))
	var printed []string
	s.be.ev.Do(func(L *lua.LState) {
		L.SetGlobal("print", L.NewFunction(func(L *lua.LState) int {
			var parts []string
			for i := 1; i <= L.GetTop(); i++ {
				parts = append(parts, L.ToStringMeta(L.Get(i)).String())
			}
			printed = append(printed, strings.Join(parts, "|"))
			return 0
		}))
	})
	s.run()
	want := []string{"arg|false|tcp://127.0.0.1:9000|two words|q\"|3", "arg|false|nil|nil|nil|0"}
	if strings.Join(printed, "\n") != strings.Join(want, "\n") {
		t.Errorf("the file printed %q, want %q", printed, want)
	}
	if out := sio.out.String(); !strings.Contains(out, "unclosed ' quote") || !strings.Contains(out, "true\n") {
		t.Errorf("output:\n%s", out)
	}
}

func TestShellConns(t *testing.T) {
	s, sio, _ := newTestShell(t, lines(":conns"))
	opened := time.Now().Add(-3 * time.Second)
	s.be.conns = func() []connRow {
		return []connRow{
			{ID: 7, Network: "tcp", Local: "127.0.0.1:9000", Remote: "127.0.0.1:50000", Loop: 1, BytesIn: 2048, BytesOut: 12, Opened: opened},
			{ID: 3, Network: "tcp", Local: "127.0.0.1:50000", Remote: "127.0.0.1:9000", Loop: 0, BytesIn: 12, BytesOut: 2048, Opened: opened},
		}
	}
	s.run()
	out := sio.out.String()
	i3, i7 := strings.Index(out, "\n3 "), strings.Index(out, "\n7 ")
	if !strings.Contains(out, "ID") || !strings.Contains(out, "REMOTE") || i3 < 0 || i7 < 0 || i3 > i7 {
		t.Fatalf("want a header and rows sorted by id:\n%s", out)
	}
	if !strings.Contains(out, "2.0K") || !strings.Contains(out, "3s") {
		t.Fatalf("want byte sizes and ages:\n%s", out)
	}
}

func TestShellCommandRegistryFeedsCompletion(t *testing.T) {
	s, _, _ := newTestShell(t, nil)
	words, n := s.complete(":", 1)
	if len(words) != len(s.cmds) || n != 1 {
		t.Fatalf("completion of %q = %q (%d); want every registered command", ":", words, n)
	}
	words, _ = s.complete(":help n", 7)
	if len(words) != 1 || words[0] != "net" {
		t.Fatalf(":help n completes to %q, want net", words)
	}
}

func TestShellStopsRuntimeOnExit(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "ctrl-d", steps: lines("1")},
		{name: "quit", steps: lines(":quit")},
		{name: "double ctrl-c", steps: []step{{err: errInterrupt}, {err: errInterrupt}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newTestShell(t, tt.steps)
			stopped := 0
			s.be.stop = func(ctx context.Context) error {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("stop without a deadline")
				}
				stopped++
				return nil
			}
			s.run()
			if stopped != 1 {
				t.Fatalf("runtime stopped %d times, want 1", stopped)
			}
		})
	}
}

func TestShellSIGINTInterruptsChunk(t *testing.T) {
	s, sio, _ := newTestShell(t, lines(`while true do end`, "'alive'"))
	stop := s.watchSIGINT()
	defer stop()
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			s.mu.Lock()
			running := s.cancel != nil
			s.mu.Unlock()
			if running {
				syscall.Kill(os.Getpid(), syscall.SIGINT)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	done := make(chan int)
	go func() { done <- s.run() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not interrupt the running chunk")
	}
	if out := sio.out.String(); !strings.Contains(out, "interrupted") || !strings.Contains(out, `"alive"`) {
		t.Fatalf("output:\n%s", out)
	}
}
