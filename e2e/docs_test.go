package e2e

// The tests in this file run the Lua in netplay's documentation with the real
// binary, so a reader who copies an example gets what the page shows.
//
// Every fenced ```lua block of the pages in docPages is one test case:
//
//   - A script block (no prompts) is written to a file and run with
//     `netplay run FILE`. It must exit 0. A `--> text` comment (at the end of
//     a line or on a line of its own) is expected output: the `--> ` lines of
//     a block must appear as whole lines of stdout, in that order.
//   - A shell block (lines starting with "> " or ">> ") is a shell session:
//     the prompted lines are input, the other lines what the shell prints.
//     The input without prompts and without `:command` lines is piped to
//     `netplay` (stdin not a terminal: one script), which must exit 0.
//     TestDocsShellSessions also types the session into a real shell on a
//     pseudo-terminal and checks that the output shown in the docs appears.
//   - A block whose first line is `-- not run: <reason>` is skipped.
//
// docs/lua-api.md is not listed: runtime's TestAPIReference runs its examples.
// The docs use port 9000 so that a reader can follow along with nc; the tests
// replace it with a port that is free at the time (never a fixed port).

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// docPages are the pages whose Lua blocks are run, relative to e2e/.
var docPages = []string{
	"../README.md",
	"../docs/codecs.md",
	"../docs/http.md",
	"../docs/shell.md",
	"../docs/tutorial.md",
}

// docTimeout bounds one run of one block.
const docTimeout = 20 * time.Second

// docPort is the port the docs use; each run gets a free port instead.
const docPort = "127.0.0.1:9000"

// docBlock is one fenced ```lua block of a page.
type docBlock struct {
	page string // path relative to e2e/
	line int    // line of the opening fence
	code string // the block's text, without the fences
}

func (b docBlock) name() string {
	return fmt.Sprintf("%s:%d", strings.TrimPrefix(b.page, "../"), b.line)
}

// shell reports whether the block is a shell session (prompted lines).
func (b docBlock) shell() bool {
	for _, l := range strings.Split(b.code, "\n") {
		if strings.HasPrefix(l, "> ") || l == ">" {
			return true
		}
	}
	return false
}

// skipReason returns the reason given by a `-- not run:` first line, or "".
func (b docBlock) skipReason() string {
	first, _, _ := strings.Cut(b.code, "\n")
	if r, ok := strings.CutPrefix(strings.TrimSpace(first), "-- not run:"); ok {
		return strings.TrimSpace(r)
	}
	return ""
}

// luaBlocks returns the fenced ```lua blocks of a markdown page.
func luaBlocks(t *testing.T, page string) []docBlock {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatalf("open %s: %v", page, err)
	}
	defer f.Close()
	var (
		blocks []docBlock
		cur    *docBlock
		body   []string
		fence  string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			if strings.TrimSpace(strings.TrimLeft(trimmed, "`")) == "lua" {
				cur = &docBlock{page: page, line: n}
				body = nil
			}
			fence = trimmed[:strings.LastIndex(trimmed, "`")+1]
			if cur == nil {
				// a block in another language: skip to its end
				for sc.Scan() {
					n++
					if strings.TrimSpace(sc.Text()) == fence {
						break
					}
				}
			}
		case cur != nil && trimmed == fence:
			cur.code = strings.Join(body, "\n") + "\n"
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", page, err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: unterminated ```lua block", page, cur.line)
	}
	return blocks
}

// shellStep is one input line of a shell session and the lines the docs
// show the shell printing after it.
type shellStep struct {
	input string   // without its prompt
	want  []string // output lines shown after the input
}

// shellSteps splits a shell block into steps.
func shellSteps(code string) []shellStep {
	var steps []shellStep
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, ">> "):
			steps = append(steps, shellStep{input: l[3:]})
		case strings.HasPrefix(l, "> "):
			steps = append(steps, shellStep{input: l[2:]})
		case len(steps) > 0 && strings.TrimSpace(l) != "":
			last := &steps[len(steps)-1]
			last.want = append(last.want, l)
		}
	}
	return steps
}

// pipedScript is the Lua a shell session runs when piped: the input lines
// without the `:command` lines (those exist only in the interactive shell).
func pipedScript(steps []shellStep) string {
	var b strings.Builder
	for _, s := range steps {
		if strings.HasPrefix(strings.TrimSpace(s.input), ":") {
			continue
		}
		b.WriteString(s.input)
		b.WriteByte('\n')
	}
	return b.String()
}

// expectedOutput returns the text of the block's `--> ` comments, in order.
func expectedOutput(code string) []string {
	var want []string
	for _, l := range strings.Split(code, "\n") {
		if i := strings.Index(l, "--> "); i >= 0 {
			want = append(want, strings.TrimSpace(l[i+4:]))
		}
	}
	return want
}

// freePort returns a loopback address that is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runNetplay runs netplay with args (and stdin when not nil) in dir, bounded
// by docTimeout, and returns stdout, stderr and the exit code.
func runNetplay(t *testing.T, dir string, stdin *string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), docTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, netplayBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "NETPLAY_HISTORY="+filepath.Join(dir, "history"))
	if stdin != nil {
		cmd.Stdin = strings.NewReader(*stdin)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("netplay %v: still running after %v (does the block stop every server it starts?)\nstdout:\n%s\nstderr:\n%s",
			args, docTimeout, stdout.String(), stderr.String())
	}
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("netplay %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code
}

// checkOrderedLines fails unless every line of want is a line of out, in order.
func checkOrderedLines(t *testing.T, out string, want []string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range want {
		for i < len(lines) && strings.TrimRight(lines[i], " \t\r") != w {
			i++
		}
		if i == len(lines) {
			t.Errorf("output lacks the line %q (after the lines matched before it)\noutput:\n%s", w, out)
			return
		}
		i++
	}
}

func TestDocsLuaBlocks(t *testing.T) {
	total := 0
	for _, page := range docPages {
		for _, b := range luaBlocks(t, page) {
			total++
			t.Run(b.name(), func(t *testing.T) {
				if r := b.skipReason(); r != "" {
					t.Skipf("not run: %s", r)
				}
				dir := t.TempDir()
				code := strings.ReplaceAll(b.code, docPort, freePort(t))
				if b.shell() {
					script := pipedScript(shellSteps(code))
					stdout, stderr, rc := runNetplay(t, dir, &script)
					if rc != 0 {
						t.Fatalf("netplay < session: exit %d\nscript:\n%s\nstdout:\n%s\nstderr:\n%s", rc, script, stdout, stderr)
					}
					return
				}
				file := filepath.Join(dir, "block.lua")
				if err := os.WriteFile(file, []byte(code), 0o644); err != nil {
					t.Fatal(err)
				}
				stdout, stderr, rc := runNetplay(t, dir, nil, "run", file)
				if rc != 0 {
					t.Fatalf("netplay run: exit %d\nblock:\n%s\nstdout:\n%s\nstderr:\n%s", rc, code, stdout, stderr)
				}
				checkOrderedLines(t, stdout, expectedOutput(code))
			})
		}
	}
	if total < 10 {
		t.Errorf("found only %d ```lua blocks in %v; the extractor is broken", total, docPages)
	}
}

// TestDocsExtractor checks the block extractor and the session splitter on a
// page written for the purpose, so a broken extractor cannot pass silently.
func TestDocsExtractor(t *testing.T) {
	page := filepath.Join(t.TempDir(), "p.md")
	text := "# t\n\n```lua\nprint(1) --> 1\n```\n\n```sh\n```lua\n```\n\n````lua\n> x = 1\n>> + 1\n> x\n2\n> :conns\nno open connections\n````\n"
	if err := os.WriteFile(page, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	blocks := luaBlocks(t, page)
	if len(blocks) != 2 {
		t.Fatalf("got %d blocks, want 2: %+v", len(blocks), blocks)
	}
	if blocks[0].line != 3 || blocks[0].code != "print(1) --> 1\n" || blocks[0].shell() {
		t.Errorf("block 1 = %+v", blocks[0])
	}
	if got := expectedOutput(blocks[0].code); len(got) != 1 || got[0] != "1" {
		t.Errorf("expected output = %q", got)
	}
	if !blocks[1].shell() {
		t.Fatalf("block 2 is not a shell session: %q", blocks[1].code)
	}
	steps := shellSteps(blocks[1].code)
	if len(steps) != 4 || steps[2].input != "x" || len(steps[2].want) != 1 || steps[2].want[0] != "2" {
		t.Errorf("steps = %+v", steps)
	}
	if got := pipedScript(steps); got != "x = 1\n+ 1\nx\n" {
		t.Errorf("piped script = %q", got)
	}
	if (docBlock{code: "-- not run: needs a person\nx()\n"}).skipReason() != "needs a person" {
		t.Error("skipReason missed the marker")
	}
}

// ptySession is a netplay shell on a pseudo-terminal.
type ptySession struct {
	*testkit.PTY
	t *testing.T
}

func startPTYShell(t *testing.T) *ptySession {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(netplayBin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=xterm", "NETPLAY_HISTORY="+filepath.Join(dir, "history"))
	return &ptySession{PTY: testkit.StartPTY(t, cmd, 40, 160), t: t}
}

// promptRE matches a prompt waiting at the end of the output.
var promptRE = regexp.MustCompile(`(?:^|\n)>>?$`)

// promptAfterOutput reports whether the screen from a typed line on ends in
// a new prompt, below the line.
func promptAfterOutput(out string) bool {
	return strings.Contains(out, "\n") && promptRE.MatchString(out)
}

// outputLineRE turns a line of output shown in the docs into a pattern.
// After a :command (fuzzy), numbers, sizes, ages and ports match any value:
// they differ from run to run.
func outputLineRE(line string, fuzzy bool) *regexp.Regexp {
	var parts []string
	for _, tok := range strings.Fields(line) {
		switch {
		case fuzzy && regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(tok):
			parts = append(parts, `127\.0\.0\.1:\d+`)
		case fuzzy && regexp.MustCompile(`^[0-9.]+[A-Za-zµ]*$`).MatchString(tok):
			parts = append(parts, `[0-9.]+[A-Za-zµ]*`)
		default:
			parts = append(parts, regexp.QuoteMeta(tok))
		}
	}
	return regexp.MustCompile(`(?m)` + strings.Join(parts, `[ \t]+`) + `[ \t]*$`)
}

// TestDocsShellSessions types every shell session of the docs into a real
// shell on a pseudo-terminal, as a reader would, and checks that what the
// docs show the shell printing after each line appears (handler output may
// come before or after a line's value, so each line's output is matched as
// a set). A session that does not end with :quit is left with Ctrl-D; the
// shell must then exit 0.
func TestDocsShellSessions(t *testing.T) {
	for _, page := range docPages {
		for _, b := range luaBlocks(t, page) {
			if !b.shell() || b.skipReason() != "" {
				continue
			}
			t.Run(b.name(), func(t *testing.T) {
				steps := shellSteps(strings.ReplaceAll(b.code, docPort, freePort(t)))
				s := startPTYShell(t)
				s.WaitScreen(0, "first prompt", promptRE.MatchString)
				quit := false
				for _, st := range steps {
					mark := len(s.Screen()) - 1 // the prompt's line
					fuzzy := strings.HasPrefix(strings.TrimSpace(st.input), ":")
					s.Send(st.input + "\r")
					if strings.TrimSpace(st.input) == ":quit" {
						quit = true
						break
					}
					if fuzzy && len(st.want) > 0 {
						// A :command prints a snapshot (:conns right after
						// c:close() may still list the conn, closing on its
						// loop): type it again until the docs' lines show.
						s.retypeUntil(mark, st.input, st.want)
						continue
					}
					for _, w := range st.want {
						re := outputLineRE(w, fuzzy)
						s.WaitScreen(mark, fmt.Sprintf("%q after %q", w, st.input), func(out string) bool {
							_, after, _ := strings.Cut(out, "\n") // skip the echo of the input
							return re.MatchString(after)
						})
					}
					s.WaitScreen(mark, fmt.Sprintf("prompt after %q", st.input), promptAfterOutput)
				}
				if !quit {
					s.Send("\x04") // Ctrl-D
				}
				if code := s.Wait(); code != 0 {
					t.Fatalf("shell exited with %d after %s; it wrote:\n%s",
						code, map[bool]string{true: ":quit", false: "Ctrl-D"}[quit], s.ScreenFrom(0))
				}
			})
		}
	}
}

// retypeUntil waits for the output of the :command typed at line mark to end
// in a prompt and to show every line of want; while it does not, it types
// the command again, for at most 10 s.
func (s *ptySession) retypeUntil(mark int, input string, want []string) {
	s.t.Helper()
	res := make([]*regexp.Regexp, len(want))
	for i, w := range want {
		res[i] = outputLineRE(w, true)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.WaitScreen(mark, fmt.Sprintf("prompt after %q", input), promptAfterOutput)
		_, after, _ := strings.Cut(s.ScreenFrom(mark), "\n") // skip the echo of the input
		missing := ""
		for i, re := range res {
			if !re.MatchString(after) {
				missing = want[i]
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("shell: no %q after %q within 10s; the shell wrote:\n%s", missing, input, s.ScreenFrom(0))
		}
		mark = len(s.Screen()) - 1
		s.Send(input + "\r")
	}
}

// TestTutorialEchoServer runs the tutorial's echo.lua, which serves until
// stopped (so TestDocsLuaBlocks skips it), and talks to it as the tutorial
// does: with nc, then with net.connect from another netplay process.
func TestTutorialEchoServer(t *testing.T) {
	var code string
	for _, b := range luaBlocks(t, "../docs/tutorial.md") {
		if strings.Contains(b.code, "-- echo.lua:") {
			code = b.code
		}
	}
	if code == "" {
		t.Fatal("docs/tutorial.md has no block with the line \"-- echo.lua:\"")
	}
	file := filepath.Join(t.TempDir(), "echo.lua")
	if err := os.WriteFile(file, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := startScript(t, file, "tcp://127.0.0.1:0")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("nc", func(t *testing.T) {
		nc := needTool(t, "nc")
		got := run(t, 10*time.Second, "hello\nworld\n", nc, "-N", "-w", "5", host, port)
		if want := "echo: hello\necho: world\n"; got != want {
			t.Errorf("nc got %q, want %q", got, want)
		}
	})
	t.Run("net.connect", func(t *testing.T) {
		client := `local c = assert(net.connect("tcp://` + addr + `", {codec = codec.line()}))
c:send("hi")
local msg = c:receive(5)
print(msg)
c:close()`
		got := run(t, docTimeout, "", netplayBin, "-e", client)
		if got != "echo: hi\n" {
			t.Errorf("net.connect client printed %q, want %q", got, "echo: hi\n")
		}
	})
}
