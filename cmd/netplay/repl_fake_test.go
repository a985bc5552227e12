package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// fakeVM is an evaluator on a plain gopher-lua state owned by one goroutine,
// as the runtime's script VM is.
type fakeVM struct {
	L    *lua.LState
	jobs chan func()
	done chan struct{}
}

func newFakeVM(t *testing.T) *fakeVM {
	t.Helper()
	v := &fakeVM{L: lua.NewState(), jobs: make(chan func()), done: make(chan struct{})}
	go func() {
		defer close(v.done)
		for fn := range v.jobs {
			fn()
		}
		v.L.Close()
	}()
	t.Cleanup(func() {
		close(v.jobs)
		<-v.done
	})
	return v
}

func (v *fakeVM) Do(fn func(L *lua.LState)) error {
	ch := make(chan struct{})
	v.jobs <- func() { fn(v.L); close(ch) }
	<-ch
	return nil
}

func (v *fakeVM) Eval(ctx context.Context, name, src string, onResult func(L *lua.LState, vals []lua.LValue)) error {
	var err error
	v.Do(func(L *lua.LState) {
		fn, lerr := L.Load(strings.NewReader(src), name)
		if lerr != nil {
			err = lerr
			return
		}
		top := L.GetTop()
		L.SetContext(ctx)
		defer L.RemoveContext()
		L.Push(fn)
		if perr := L.PCall(0, lua.MultRet, nil); perr != nil {
			var ae *lua.ApiError
			if errors.As(perr, &ae) {
				err = &evalError{Msg: ae.Object.String(), Traceback: ae.StackTrace}
			} else {
				err = perr
			}
			return
		}
		var vals []lua.LValue
		for i := top + 1; i <= L.GetTop(); i++ {
			vals = append(vals, L.Get(i))
		}
		L.SetTop(top)
		onResult(L, vals)
	})
	return err
}

// step is one result of scriptIO.Next.
type step struct {
	line string
	err  error
}

// scriptIO is a lineIO that replays steps and records prompts and output;
// it claims to be interactive so the loop goes on after errors.
type scriptIO struct {
	mu      sync.Mutex
	steps   []step
	prompts []string
	history []string
	out     syncBuffer
	// before, if set, runs before each step is returned (index of the step).
	before func(i int)
	i      int
}

func (s *scriptIO) Next() (string, error) {
	s.mu.Lock()
	i := s.i
	if i >= len(s.steps) {
		s.mu.Unlock()
		return "", io.EOF
	}
	s.i++
	st := s.steps[i]
	s.mu.Unlock()
	if s.before != nil {
		s.before(i)
	}
	return st.line, st.err
}

func (s *scriptIO) SetPrompt(p string) {
	s.mu.Lock()
	s.prompts = append(s.prompts, p)
	s.mu.Unlock()
}
func (s *scriptIO) SetCompleter(completer) {}
func (s *scriptIO) AddHistory(e string)    { s.history = append(s.history, e) }
func (s *scriptIO) Interactive() bool      { return true }
func (s *scriptIO) Stdout() io.Writer      { return &s.out }
func (s *scriptIO) Stderr() io.Writer      { return &s.out }
func (s *scriptIO) InterruptInput()        {}
func (s *scriptIO) Close() error           { return nil }

// syncBuffer is a strings.Builder safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func lines(ls ...string) []step {
	out := make([]step, len(ls))
	for i, l := range ls {
		out[i] = step{line: l}
	}
	return out
}
