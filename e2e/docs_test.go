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
)

// docPages are the pages whose Lua blocks are run, relative to e2e/.
var docPages = []string{
	"../README.md",
	"../docs/codecs.md",
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

// ansiRE matches terminal escape sequences (CSI and OSC).
var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]`)
