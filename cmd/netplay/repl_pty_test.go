package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
	"github.com/netplay-lab/netplay/runtime"
)

// The tests in this file drive the real netplay binary through a
// pseudo-terminal, as a person at a terminal would.

// envShellOptions makes the test binary act as netplay's shell started
// through runShellOptions (the runtime created by the shell itself), so that
// entry point is tested through a pty too.
const envShellOptions = "NETPLAY_TEST_RUN_SHELL_OPTIONS"

func TestMain(m *testing.M) {
	if os.Getenv(envShellOptions) == "1" {
		os.Exit(runShellOptions(runtime.Options{}))
	}
	os.Exit(testkit.Main(m))
}

// ptyShell is a netplay shell on a pseudo-terminal.
type ptyShell struct {
	*testkit.PTY
	t *testing.T
}

func startShell(t *testing.T, histFile string) *ptyShell {
	t.Helper()
	return startShellCmd(t, exec.Command(testkit.NetplayBin(t)), histFile)
}

// startShellOptions starts the test binary as a shell created by
// runShellOptions.
func startShellOptions(t *testing.T, histFile string) *ptyShell {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envShellOptions+"=1")
	return startShellCmd(t, cmd, histFile)
}

func startShellCmd(t *testing.T, cmd *exec.Cmd, histFile string) *ptyShell {
	t.Helper()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "NETPLAY_HISTORY="+histFile, "NO_COLOR=1", "TERM=xterm")
	return &ptyShell{PTY: testkit.StartPTY(t, cmd, 50, 250), t: t}
}

// line types s, presses Enter and waits for the next prompt.
func (p *ptyShell) line(s string) string {
	p.t.Helper()
	p.Send(s + "\r")
	return p.Expect("\n> ")
}

func histPath(t *testing.T) string { return filepath.Join(t.TempDir(), "state", "history") }

func TestPTYBannerAndExit(t *testing.T) {
	tests := []struct {
		name string
		keys string
	}{
		{name: "ctrl-d", keys: "\x04"},
		{name: "quit", keys: ":quit\r"},
		{name: "ctrl-c twice", keys: "\x03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startShell(t, histPath(t))
			p.Expect("netplay " + version)
			p.Expect(":help")
			p.Expect("\n> ")
			p.Send(tt.keys)
			if tt.name == "ctrl-c twice" {
				p.Expect("Ctrl-C again")
				p.Send("\x03")
			}
			if code := p.Wait(); code != 0 {
				t.Fatalf("exit code %d, want 0", code)
			}
		})
	}
}

// A Ctrl-C that reaches the shell as SIGINT while no chunk runs (it was
// pressed between two reads, with the terminal out of raw mode) counts as
// Ctrl-C at the prompt: the first one hints, a second one exits.
func TestPTYSIGINTAtPrompt(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.Send("x = 1")
	p.Expect("x = 1")
	if err := p.Cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	p.Expect("\n> ") // the typed text is dropped, as with the key
	if out := p.line("x"); !strings.Contains(out, "nil") {
		t.Fatalf("x = %q after the interrupted line, want nil", out)
	}
	for i := 0; i < 2; i++ {
		if err := p.Cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			p.Expect("Ctrl-C again")
		}
	}
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
}

func TestPTYMultilineAndExpressions(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.Send("function sq(n)\r")
	p.Expect("\n>> ")
	p.Send("  return n * n\r")
	p.Expect("\n>> ")
	p.Send("end\r")
	p.Expect("\n> ")
	if out := p.line("sq(12)"); !strings.Contains(out, "144") {
		t.Fatalf("sq(12) printed %q", out)
	}
	if out := p.line("{1, 'a', k = true}"); !strings.Contains(out, `{ 1, "a", k = true }`) {
		t.Fatalf("table printed %q", out)
	}
	if out := p.line("=1, nil, 'x'"); !strings.Contains(out, "1\tnil\t\"x\"") {
		t.Fatalf("=expr printed %q", out)
	}
	if out := p.line("error('boom')"); !strings.Contains(out, "stdin:1: boom") {
		t.Fatalf("error printed %q", out)
	}
	if out := p.line("sq(3)"); !strings.Contains(out, "9") {
		t.Fatalf("shell did not go on after an error: %q", out)
	}
	if out := p.line(":help timer"); !strings.Contains(out, "timer.after(seconds, fn)") {
		t.Fatalf(":help timer printed %q", out)
	}
	if out := p.line(":stats"); !strings.Contains(out, "{") {
		t.Fatalf(":stats printed %q, want the stats() table", out)
	}
	p.line("x = 'abc") // a syntax error, not a continuation
	if out := p.line("'after'"); !strings.Contains(out, `"after"`) {
		t.Fatalf("shell did not go on after a syntax error: %q", out)
	}
}

func TestPTYCompletion(t *testing.T) {
	tests := []struct {
		name, typed, want string
	}{
		{name: "stdlib", typed: "string.up", want: "string.upper"},
		{name: "net", typed: "net.li", want: "net.listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startShell(t, histPath(t))
			p.Expect("\n> ")
			p.Send(tt.typed + "\t")
			p.Expect(tt.want)
			// Enter: the completed name is a function, so its value prints
			if out := p.line(""); !strings.Contains(out, "function: ") {
				t.Fatalf("%s after completion printed %q, want a function", tt.want, out)
			}
		})
	}
}

func TestPTYCompletionOfConnAndServerMethods(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	url := echoServer(p)
	p.line(fmt.Sprintf(`c = net.connect(%q, {codec = codec.line()})`, url))
	steps := []struct{ typed, want string }{
		{typed: "c:rec", want: "c:receive"},  // conn methods behind an __index function
		{typed: "srv:cl", want: "srv:close"}, // server methods likewise
	}
	for _, st := range steps {
		p.Send(st.typed + "\t")
		p.Expect(st.want)
		p.Send("\x03") // discard the line
		p.Expect("\n> ")
	}
	if out := p.line("tostring(srv)"); !strings.Contains(out, "tcp://127.0.0.1:") || !strings.Contains(out, "(1 conns)") {
		t.Fatalf("tostring(srv) printed %q, want its URL and conn count", out)
	}
}

// echoServer starts a line echo server in the shell and returns its URL.
func echoServer(p *ptyShell) string {
	p.t.Helper()
	p.line(`srv = net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) c:send(m) end})`)
	out := p.line(`print("URL=" .. (srv.addr:find("://") and srv.addr or "tcp://" .. srv.addr) .. "=")`)
	m := regexp.MustCompile(`URL=(\S+)=`).FindStringSubmatch(out)
	if m == nil {
		p.t.Fatalf("no server address; the shell answered %q", lastLines(out))
	}
	return m[1]
}

func TestPTYEchoServerAndClient(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	url := echoServer(p)
	p.line(fmt.Sprintf(`c = net.connect(%q, {codec = codec.line()})`, url))
	p.line(`c:send("hello netplay")`)
	if out := p.line("c:receive()"); !strings.Contains(out, `"hello netplay"`) {
		t.Fatalf("c:receive() printed %q, want the echo", out)
	}
	if out := p.line(":conns"); !strings.Contains(out, "REMOTE") || strings.Count(out, "127.0.0.1:") < 4 {
		t.Fatalf(":conns printed %q, want both ends of the conn", out)
	}
}

func TestPTYCtrlCInterruptsChunkAndKeepsTimers(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`ticks = 0; tk = timer.every(0.01, function() ticks = ticks + 1 end)`)
	// The output ("spin".."ning") differs from the typed text, so the
	// expect cannot match the terminal's echo of the line: Ctrl-C is sent
	// only once the chunk runs, with the terminal back in cooked mode.
	p.Send(`print("spin" .. "ning") while true do end` + "\r")
	p.Expect("spinning")
	p.Send("\x03")
	p.Expect("interrupted")
	p.Expect("\n> ")
	// the timer still runs after the interrupt: ticks keeps growing
	p.line(`before = ticks`)
	p.Send(`sleep(0.1) print("grew=" .. tostring(ticks > before))` + "\r")
	p.Expect("grew=true")
	p.Expect("\n> ")
	p.line("tk:stop()")
}

func TestPTYCtrlCInterruptsChunkNotServers(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	url := echoServer(p)
	// The output ("spin".."ning") differs from the typed text, so the
	// expect cannot match the terminal's echo of the line: Ctrl-C is sent
	// only once the chunk runs, with the terminal back in cooked mode.
	p.Send(`print("spin" .. "ning") while true do end` + "\r")
	p.Expect("spinning")
	p.Send("\x03")
	p.Expect("interrupted")
	p.Expect("\n> ")
	p.line(fmt.Sprintf(`c2 = net.connect(%q, {codec = codec.line()})`, url))
	p.line(`c2:send("still serving")`)
	if out := p.line("c2:receive()"); !strings.Contains(out, `"still serving"`) {
		t.Fatalf("server did not answer a new client after Ctrl-C: %q", out)
	}
}

func TestPTYHandlerOutputKeepsTypedLine(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.line(`srv = net.listen("tcp://127.0.0.1:0", {codec = codec.line(), on_message = function(c, m) print("handler got " .. m) end})`)
	out := p.line(`print("ADDR=" .. tostring(srv.addr):gsub("^%a+://", "") .. "=")`)
	m := regexp.MustCompile(`ADDR=(\S+?)=`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no server address; the shell answered %q", lastLines(out))
	}
	p.Send("typed = 'half")
	p.Expect("typed = 'half")
	conn := dialTCP(t, m[1])
	if _, err := conn.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	p.Expect("handler got ping")
	// the line editor redraws the prompt and the half-typed text below it
	p.Expect("> typed = 'half")
	p.Send(" done'\r")
	p.Expect("\n> ")
	if out := p.line("typed"); !strings.Contains(out, `"half done"`) {
		t.Fatalf("typed line was changed by the handler's output: %q", out)
	}
}

func TestPTYTimerOutputKeepsTypedLine(t *testing.T) {
	tests := []struct {
		name  string
		start func(t *testing.T, hist string) *ptyShell
	}{
		{name: "netplay binary", start: startShell},
		{name: "runShellOptions", start: startShellOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { testTimerOutputKeepsTypedLine(t, tt.start(t, histPath(t))) })
	}
}

func testTimerOutputKeepsTypedLine(t *testing.T, p *ptyShell) {
	p.Expect("\n> ")
	p.line(`n = 0; tick = timer.every(0.1, function() n = n + 1; print("tick " .. n) end)`)
	p.Send("typed = 'half")
	p.Expect("typed = 'half")
	// a tick printed after the text was typed must be followed by a redraw
	// of the prompt and the text
	p.ExpectRe(regexp.MustCompile(`tick \d+\n`))
	p.Expect("> typed = 'half")
	p.Send(" done'\r")
	// a tick may redraw a prompt at any time until the timer stops: match
	// the line's own end and tick:stop()'s answer, not just any prompt
	p.Expect("'half done'\n")
	p.Send("tick:stop()\r")
	p.Expect("true\n> ")
	if out := p.line("typed"); !strings.Contains(out, `"half done"`) {
		t.Fatalf("typed line was changed by the timer's output: %q", out)
	}
}

func TestPTYHistorySurvivesRestart(t *testing.T) {
	hist := histPath(t)
	p := startShell(t, hist)
	p.Expect("\n> ")
	p.Send("function hist_fn()\r")
	p.Expect("\n>> ")
	p.Send("return 42\r")
	p.Expect("\n>> ")
	p.Send("end\r")
	p.Expect("\n> ")
	p.line("marker = 1")
	p.Send("\x04")
	if code := p.Wait(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	data, err := os.ReadFile(hist)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"function hist_fn()\nreturn 42\nend"`) {
		t.Fatalf("history file lacks the chunk as one entry:\n%s", data)
	}

	p = startShell(t, hist)
	p.Expect("\n> ")
	p.Send("\x1b[A\x1b[A") // up twice: the multi-line chunk, recalled as one entry
	p.Expect("function hist_fn() return 42 end")
	p.Send("\r")
	p.Expect("\n> ")
	if out := p.line("hist_fn()"); !strings.Contains(out, "42") {
		t.Fatalf("recalled chunk did not define hist_fn: %q", out)
	}
}

// Recalling a multi-line entry that holds a comment with Up and leaving it
// with Down must leave one prompt line on the screen: the line editor
// cannot redraw a buffer that spans lines, and stale copies of the chunk
// stayed above the prompt.
func TestPTYHistoryRecallLeavesNoStaleLines(t *testing.T) {
	p := startShell(t, histPath(t))
	p.Expect("\n> ")
	p.Send("function f() -- a comment\r")
	p.Expect("\n>> ")
	p.Send("return 1\r")
	p.Expect("\n>> ")
	p.Send("end\r")
	p.Expect("\n> ")
	p.line("x = 1")
	mark := len(p.Screen()) - 1 // the empty prompt's line
	for _, st := range []struct{ key, want string }{
		{"\x1b[A", "> x = 1"},
		{"\x1b[A", "> function f() --[[ a comment]] return 1 end"},
		{"\x1b[B", "> x = 1"},
		{"\x1b[B", ">"},
		{"\x1b[A", "> x = 1"},
	} {
		p.Send(st.key)
		p.WaitScreen(mark, fmt.Sprintf("only %q below the last run line", st.want), func(s string) bool { return s == st.want })
	}
	p.Send("\x1b[A\r") // run the recalled one-line form
	p.Expect("\n> ")
	if out := p.line("f()"); !strings.Contains(out, "1") {
		t.Fatalf("the recalled chunk did not define f: %q", out)
	}
}

func TestPipedInputRunsAsScript(t *testing.T) {
	tests := []struct {
		name     string
		stdin    string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{name: "ok", stdin: "local x = 20\nprint(x + 1)\n", wantCode: 0, wantOut: "21\n"},
		{name: "error", stdin: "print('before')\n\nerror('bad')\n", wantCode: 1, wantOut: "before\n", wantErr: "stdin:3: bad"},
		{name: "syntax error", stdin: "x = = 1\n", wantCode: 1, wantErr: "stdin:1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(testkit.NetplayBin(t))
			cmd.Stdin = strings.NewReader(tt.stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(os.Environ(), "NETPLAY_HISTORY="+histPath(t))
			err := runWithTimeout(cmd, testkit.PTYTimeout)
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || stdout.String() != tt.wantOut || !strings.Contains(stderr.String(), tt.wantErr) {
				t.Fatalf("exit %d stdout %q stderr %q; want %d %q %q", code, stdout.String(), stderr.String(),
					tt.wantCode, tt.wantOut, tt.wantErr)
			}
		})
	}
}

// TestPTYStartupTime measures the time from exec to a ready prompt.
func TestPTYStartupTime(t *testing.T) {
	testkit.NetplayBin(t)
	var best time.Duration
	for range 5 {
		start := time.Now()
		p := startShell(t, histPath(t))
		p.Expect("\n> ")
		d := time.Since(start)
		if best == 0 || d < best {
			best = d
		}
		p.Send("\x04")
		p.Wait()
	}
	t.Logf("start-up to a ready prompt: best of 5 = %v", best)
	if best > 500*time.Millisecond {
		t.Fatalf("start-up took %v", best)
	}
}

// lastLines is the end of a shell's answer (its output after the echo of
// the typed line), for short failure messages.
func lastLines(out string) string {
	if i := strings.LastIndex(strings.TrimSuffix(out, "\n> "), ")\n"); i >= 0 {
		return out[i+2:]
	}
	return out
}
