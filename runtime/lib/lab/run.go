package lab

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"time"

	lua "github.com/yuin/gopher-lua"

	"github.com/netplay-lab/netplay/runtime"
	"github.com/netplay-lab/netplay/runtime/internal/luautil"
)

//go:embed check.lua
var checkModule string

// CheckOptions configures Check. The zero value checks quietly into io.Discard.
type CheckOptions struct {
	Debug bool      // every byte sent and received, passing stages' steps and output
	Color bool      // ANSI colours (the CLI sets it on a terminal without NO_COLOR)
	Out   io.Writer // the report; nil -> io.Discard
	Bin   string    // the netplay binary that runs the learner's script; "" -> $NETPLAY_BIN, else this executable
}

// Result is the outcome of a check.
type Result struct {
	Stages []StageResult
	Failed int // index of the failed stage, or -1 when all passed
}

// Passed reports whether every stage passed.
func (r *Result) Passed() bool { return r.Failed < 0 }

// StageResult is one stage's record.
type StageResult struct {
	Name     string
	Hint     string // the stage's own hint (a failure may carry a more precise one)
	Timeout  time.Duration
	Elapsed  time.Duration
	Ran      bool
	Skipped  string // why it was skipped (counts as passed)
	TimedOut bool
	Failure  *Failure
	Steps    []Step
	Output   string // what the learner's script printed during the stage
	Dropped  int64  // learner output bytes not kept (a flood)
}

// Failure explains a failed stage.
type Failure struct {
	Message             string
	Expected, Got       *string // nil when not a comparison
	ExpectedRaw, GotRaw bool    // values, not bytes: shown without quotes and counts
	ExpectedHow, GotHow string
	Hint                string
}

// Step is one thing the checker did or saw.
type Step struct {
	Kind string // connect, send, recv, close, note, exec
	Conn string
	Data string
	Text string
}

// checkOpts are the option tables of the check module's functions: a typo
// in a lab's check.lua is an error naming the closest key
// (luautil.Options), never a silently ignored hint or timeout.
var checkOpts = map[string]*luautil.Options{
	"stage": luautil.NewOptions("check.stage", "name:string", "hint:string", "timeout:number", "run:function"),
	"fail": luautil.NewOptions("check.fail", "message:string", "expected:any", "got:any", "expected_how:string",
		"got_how:string", "expected_raw:boolean", "got_raw:boolean", "hint:string"),
	"expect": luautil.NewOptions("check.expect", "what:string", "hint:string", "got_how:string", "expected_how:string"),
	"eventually": luautil.NewOptions("check.eventually", "what:string", "expected:any", "expected_raw:boolean",
		"expected_how:string", "hint:string", "every:number"),
	"expect_output":  luautil.NewOptions("check.expect_output", "what:string", "hint:string"),
	"connect":        luautil.NewOptions("check.connect", "name:string", "wait:number"),
	"expect_line":    luautil.NewOptions("c:expect_line", "seconds:number", "what:string", "hint:string"),
	"expect_bytes":   luautil.NewOptions("c:expect_bytes", "seconds:number", "what:string", "hint:string", "expected_how:string"),
	"expect_silence": luautil.NewOptions("c:expect_silence", "what:string", "hint:string"),
	"expect_closed":  luautil.NewOptions("c:expect_closed", "what:string", "hint:string", "allow_data:boolean"),
	"expect_resp":    luautil.NewOptions("c:expect_resp", "seconds:number", "what:string", "hint:string"),
}

// bridge is the __lab table the check module reads: the learner's address,
// its output and liveness, a clock, escaping, and programs to run.
func bridge(L *lua.LState, url, addr string, port int, debug bool, lr *learner) *lua.LTable {
	t := L.NewTable()
	L.SetField(t, "url", lua.LString(url))
	L.SetField(t, "addr", lua.LString(addr))
	L.SetField(t, "port", lua.LNumber(port))
	L.SetField(t, "debug", lua.LBool(debug))
	t0 := time.Now()
	L.SetField(t, "now", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(time.Since(t0).Seconds()))
		return 1
	}))
	L.SetField(t, "escape", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(quote(L.CheckString(1))))
		return 1
	}))
	L.SetField(t, "output", L.NewFunction(func(L *lua.LState) int {
		s, _ := lr.out.text()
		L.Push(lua.LString(s))
		return 1
	}))
	L.SetField(t, "alive", L.NewFunction(func(L *lua.LState) int {
		ok, status := lr.alive()
		L.Push(lua.LBool(ok))
		L.Push(lua.LString(status))
		return 2
	}))
	L.SetField(t, "which", L.NewFunction(func(L *lua.LState) int {
		p, err := exec.LookPath(L.CheckString(1))
		if err != nil {
			L.Push(lua.LNil)
			return 1
		}
		L.Push(lua.LString(p))
		return 1
	}))
	opts := L.NewTable()
	for name, o := range checkOpts {
		L.SetField(opts, name, o.Checker(L))
	}
	L.SetField(t, "opts", opts)
	L.SetField(t, "exec", L.NewFunction(func(L *lua.LState) int {
		argv := L.CheckTable(1)
		secs := L.OptNumber(2, 3)
		var args []string
		argv.ForEach(func(_, v lua.LValue) { args = append(args, v.String()) })
		if len(args) == 0 {
			L.ArgError(1, "empty argv")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(float64(secs)*float64(time.Second)))
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		L.Push(lua.LString(out.String()))
		var ee *exec.ExitError
		switch {
		case ctx.Err() != nil:
			L.Push(lua.LString("timeout"))
		case errors.As(err, &ee):
			L.Push(lua.LNumber(ee.ExitCode()))
		case err != nil:
			L.Push(lua.LString(err.Error()))
		default:
			L.Push(lua.LNumber(0))
		}
		return 2
	}))
	return t
}

// freePort asks the kernel for a free loopback port for the learner.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Check runs lab l's checker against the learner's file and writes the
// report to opts.Out. The error is for a check that could not run at all.
func Check(l Lab, file string, opts CheckOptions) (*Result, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	src, err := l.ReadFile("check.lua")
	if err != nil {
		return nil, fmt.Errorf("lab %s has no check.lua: %w", l.Name, err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	url := "tcp://" + addr

	var checkerOut output // the checker's own prints and errors
	rt, err := runtime.New(runtime.Options{Stdout: &checkerOut, Stderr: &checkerOut, Budget: -1})
	if err != nil {
		return nil, err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rt.Stop(ctx)
	}()

	lr, err := startLearner(opts.Bin, file, url)
	if err != nil {
		return nil, err
	}
	defer lr.stop(2 * time.Second)

	if err := rt.Do(func(L *lua.LState) {
		L.SetGlobal("__lab", bridge(L, url, addr, port, opts.Debug, lr))
	}); err != nil {
		return nil, err
	}
	if err := rt.RunString("check module", checkModule); err != nil {
		return nil, fmt.Errorf("loading the check module: %w", err)
	}
	if err := rt.RunString(l.Name+"/check.lua", string(src)); err != nil {
		return nil, fmt.Errorf("loading %s/check.lua: %w", l.Name, err)
	}
	res := &Result{Failed: -1}
	if err := evalTable(rt, 2*time.Second, "return check._list()", func(L *lua.LState, t *lua.LTable) {
		t.ForEach(func(_, v lua.LValue) {
			st, _ := v.(*lua.LTable)
			if st == nil {
				return
			}
			res.Stages = append(res.Stages, StageResult{
				Name:    lua.LVAsString(st.RawGetString("name")),
				Hint:    str(st, "hint"),
				Timeout: time.Duration(float64(lua.LVAsNumber(st.RawGetString("timeout"))) * float64(time.Second)),
			})
		})
	}); err != nil {
		return nil, fmt.Errorf("listing the stages: %w", err)
	}

	rep := &reporter{w: out, color: opts.Color, debug: opts.Debug}
	rep.header(l, file, url, res.Stages)
	for i := range res.Stages {
		st := &res.Stages[i]
		if i > 0 {
			lr.out.reset() // stage 1 keeps what the script printed as it started
		}
		rep.stageStart(i, len(res.Stages), st)
		runStage(rt, i, st)
		if st.Failure != nil || opts.Debug {
			lr.out.settle(50*time.Millisecond, 300*time.Millisecond)
		}
		st.Output, st.Dropped = lr.out.text()
		if st.Failure == nil {
			if ok, status := lr.alive(); !ok {
				st.Failure = &Failure{Message: "your script exited during the stage (" + status + ")",
					Hint: "a server script must keep running: look at its output for an error"}
			}
		}
		rep.stageEnd(i, len(res.Stages), st)
		if st.Failure != nil {
			res.Failed = i
			break
		}
	}
	if s, _ := checkerOut.text(); s != "" && (opts.Debug || res.Failed >= 0) {
		rep.checkerOutput(s)
	}
	rep.summary(l, res)
	return res, nil
}

// runStage runs stage i with its time limit; a stage that overruns is
// interrupted and reported with the steps it had made.
func runStage(rt *runtime.Runtime, i int, st *StageResult) {
	st.Ran = true
	start := time.Now()
	call := fmt.Sprintf("return check._run(%d)", i+1)
	err := evalTable(rt, st.Timeout, call, func(L *lua.LState, t *lua.LTable) { readRecord(t, st) })
	st.Elapsed = time.Since(start)
	if err == nil {
		return
	}
	if errors.Is(err, context.DeadlineExceeded) || st.Elapsed >= st.Timeout {
		st.TimedOut = true
		evalTable(rt, time.Second, "return check._current()", func(L *lua.LState, t *lua.LTable) { readRecord(t, st) })
		st.Failure = &Failure{Message: "the stage did not finish within its " + fmtDur(st.Timeout),
			Hint: "your script may be stuck: a handler that never returns, or a reply that never comes"}
		return
	}
	st.Failure = &Failure{Message: "the checker failed: " + err.Error()}
}

// evalTable runs src on rt, bounded by limit (plus a grace second for the
// interrupt), and hands a returned table to fn on the VM goroutine.
func evalTable(rt *runtime.Runtime, limit time.Duration, src string, fn func(L *lua.LState, t *lua.LTable)) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- rt.Eval(ctx, "check", src, func(L *lua.LState, vals []lua.LValue) {
			if len(vals) > 0 {
				if t, ok := vals[0].(*lua.LTable); ok {
					fn(L, t)
				}
			}
		})
	}()
	select {
	case err := <-done:
		if err != nil && ctx.Err() != nil {
			return context.DeadlineExceeded
		}
		return err
	case <-time.After(limit + time.Second):
		return context.DeadlineExceeded
	}
}

// readRecord copies a stage record from Lua.
func readRecord(t *lua.LTable, st *StageResult) {
	st.Steps = st.Steps[:0]
	if steps, ok := t.RawGetString("steps").(*lua.LTable); ok {
		steps.ForEach(func(_, v lua.LValue) {
			s, ok := v.(*lua.LTable)
			if !ok {
				return
			}
			st.Steps = append(st.Steps, Step{Kind: str(s, "kind"), Conn: str(s, "conn"), Data: str(s, "data"), Text: str(s, "text")})
		})
	}
	if sk := t.RawGetString("skipped"); sk != lua.LNil {
		st.Skipped = lua.LVAsString(sk)
	}
	f, ok := t.RawGetString("failure").(*lua.LTable)
	if !ok {
		return
	}
	fl := &Failure{Message: str(f, "message"), Hint: str(f, "hint"),
		ExpectedHow: str(f, "expected_how"), GotHow: str(f, "got_how"),
		ExpectedRaw: lua.LVAsBool(f.RawGetString("expected_raw")), GotRaw: lua.LVAsBool(f.RawGetString("got_raw"))}
	if v := f.RawGetString("expected"); v != lua.LNil {
		s := v.String()
		fl.Expected = &s
	}
	if v := f.RawGetString("got"); v != lua.LNil {
		s := v.String()
		fl.Got = &s
	}
	st.Failure = fl
}

func str(t *lua.LTable, k string) string {
	v := t.RawGetString(k)
	if v == lua.LNil {
		return ""
	}
	return v.String()
}
