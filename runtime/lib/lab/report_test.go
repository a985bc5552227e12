package lab

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// sampleResult is a check with one passed stage and one failed the way
// lab 3's starter fails: a reply without its \r\n.
func sampleResult() (Lab, *Result) {
	exp, got := "+PONG\r\n", "+PONG"
	return Lab{Name: "03-redis", Title: "Lab 3: a Redis-compatible server"}, &Result{Failed: 1, Stages: []StageResult{
		{Name: "the server accepts", Timeout: 5 * time.Second},
		{Name: "PING answers +PONG", Timeout: 5 * time.Second,
			Steps: []Step{
				{Kind: "connect", Conn: "conn 1", Text: "connected to 127.0.0.1:7003"},
				{Kind: "send", Conn: "conn 1", Data: "*1\r\n$4\r\nPING\r\n"},
				{Kind: "recv", Conn: "conn 1", Data: "+PONG"},
				{Kind: "note", Text: "waiting 0.1 s"},
			},
			Failure: &Failure{Message: "wrong reply to PING", Expected: &exp, Got: &got,
				ExpectedHow: "a simple string", GotHow: "an incomplete simple string, no \\r\\n within 1 s",
				Hint: "every RESP reply ends with \\r\\n"},
			Output: "redis server listening on tcp://127.0.0.1:7003\nstarter.lua:12: oops\n"},
		{Name: "not reached", Timeout: 5 * time.Second},
	}}
}

func render(l Lab, res *Result, color, debug bool) string {
	var b bytes.Buffer
	r := &reporter{w: &b, color: color, debug: debug}
	r.header(l, "/home/ada/03-redis/starter.lua", "tcp://127.0.0.1:7003", res.Stages)
	for i := range res.Stages {
		if i > res.Failed && res.Failed >= 0 {
			break
		}
		r.stageStart(i, len(res.Stages), &res.Stages[i])
		r.stageEnd(i, len(res.Stages), &res.Stages[i])
	}
	r.summary(l, res)
	return b.String()
}

// TestReportGolden pins the report format: stages numbered, steps, expected
// vs got with byte counts and how each was read, the caret, the hint and the
// script's output.
func TestReportGolden(t *testing.T) {
	for _, tc := range []struct {
		name         string
		color, debug bool
	}{
		{name: "plain"},
		{name: "color", color: true},
		{name: "debug", debug: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, res := sampleResult()
			got := render(l, res, tc.color, tc.debug)
			path := filepath.Join("testdata", "report_"+tc.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestReportGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
			if hasANSI := strings.Contains(got, "\x1b["); hasANSI != tc.color {
				t.Errorf("ANSI codes present = %v, want %v", hasANSI, tc.color)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	for in, want := range map[string]string{
		"+PONG\r\n":     `"+PONG\r\n"`,
		"\x00\x05hi":    `"\x00\x05hi"`,
		`a"b\c`:         `"a\"b\\c"`,
		"tab\there\xff": `"tab\there\xff"`,
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestCaret checks that the caret sits under the first differing byte,
// escapes counted by their printed width.
func TestCaret(t *testing.T) {
	for _, tc := range []struct {
		exp, got string
		col      int // column in the quoted got value
	}{
		{exp: "+PONG\r\n", got: "+PONG", col: 6},             // under the closing quote: got is short
		{exp: "3 one\n", got: "7 one\n", col: 1},             // first byte
		{exp: "\x00\x05HELLO", got: "\x00\x05hello", col: 9}, // after two \xNN escapes
		{exp: "a\r\nb", got: "a\r\nc", col: 6},
	} {
		diff := firstDiff(&tc.exp, &tc.got)
		_, col := window(quote(tc.got), diff)
		if col != tc.col {
			t.Errorf("caret for %q vs %q at column %d, want %d", tc.exp, tc.got, col, tc.col)
		}
	}
	long := strings.Repeat("x", 500) + "A"
	longGot := strings.Repeat("x", 500) + "B"
	diff := firstDiff(&long, &longGot)
	s, col := window(quote(longGot), diff)
	if !strings.HasPrefix(s, "…") || s[col+len("…")-1] != 'B' {
		t.Errorf("long value: window %q, caret column %d does not point at B", s, col)
	}
}

// FuzzCaret: for any expected and got bytes, the caret column of the
// shown got value points at the escape of the first differing byte (or
// the closing quote when got is a prefix of expected).
func FuzzCaret(f *testing.F) {
	f.Add("+PONG\r\n", "+PONG")
	f.Add("\x00\x05HELLO", "\x00\x05hello")
	f.Add(strings.Repeat("a", 300)+"b", strings.Repeat("a", 300)+"c")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, exp, got string) {
		diff := firstDiff(&exp, &got)
		if diff < 0 {
			if exp != got {
				t.Fatalf("no difference found between %q and %q", exp, got)
			}
			return
		}
		s, col := window(quote(got), diff)
		runes := []rune(s) // col is a terminal column: "…" is one
		if col < 0 || col >= len(runes) {
			t.Fatalf("caret column %d outside %q", col, s)
		}
		at := string(runes[col:])
		want := `"` // past the end of got: under the closing quote
		if diff < len(got) {
			want = quote(got[diff : diff+1])
			want = want[1 : len(want)-1]
		}
		if !strings.HasPrefix(at, want) {
			t.Fatalf("caret at %d of %q points at %q, want %q (byte %d)", col, s, at, want, diff)
		}
	})
}
