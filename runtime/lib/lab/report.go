package lab

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// reporter writes a check's report: a header stating the time limit per
// stage, one line per stage, and under a failed stage the steps, expected
// vs got with a caret under the first difference, one hint and the
// learner's output.
type reporter struct {
	w     io.Writer
	color bool
	debug bool
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
	ansiReset  = "\x1b[0m"
)

func (r *reporter) paint(code, s string) string {
	if !r.color {
		return s
	}
	return code + s + ansiReset
}

const indent = "      "

// maxSteps and maxOutputLines bound a failure's report (--debug shows all).
const (
	maxSteps       = 24
	maxOutputLines = 20
	maxShown       = 100 // escaped characters of a value shown in a step
)

func (r *reporter) header(l Lab, file, url string, stages []StageResult) {
	// the usual limit, then the stages that differ from it
	count := map[time.Duration]int{}
	var usual time.Duration
	for _, s := range stages {
		count[s.Timeout]++
		if count[s.Timeout] > count[usual] {
			usual = s.Timeout
		}
	}
	var other []string
	for i, s := range stages {
		if s.Timeout != usual {
			other = append(other, fmt.Sprintf("stage %d: %s", i+1, fmtDur(s.Timeout)))
		}
	}
	limits := fmtDur(usual)
	if len(other) > 0 {
		limits += " (" + strings.Join(other, ", ") + ")"
	}
	fmt.Fprintf(r.w, "%s\n", r.paint(ansiBold, l.Name+": "+l.Title))
	fmt.Fprintf(r.w, "running  netplay run %s %s\n", filepath.Base(file), url)
	fmt.Fprintf(r.w, "%d stages, each stopped after %s at most\n\n", len(stages), limits)
}

func (r *reporter) stageStart(i, n int, st *StageResult) {
	fmt.Fprintf(r.w, "[%d/%d] %s ", i+1, n, st.Name)
}

func (r *reporter) stageEnd(i, n int, st *StageResult) {
	switch {
	case st.Failure != nil:
		fmt.Fprintf(r.w, "... %s\n", r.paint(ansiRed, "FAILED"))
	case st.Skipped != "":
		fmt.Fprintf(r.w, "... %s (%s)\n", r.paint(ansiYellow, "skipped"), st.Skipped)
	default:
		fmt.Fprintf(r.w, "... %s\n", r.paint(ansiGreen, "ok"))
	}
	if st.Failure == nil && !r.debug {
		return
	}
	r.steps(st.Steps)
	if f := st.Failure; f != nil {
		r.failure(f)
	}
	r.learnerOutput(st)
	fmt.Fprintln(r.w)
}

func (r *reporter) steps(steps []Step) {
	if len(steps) == 0 {
		return
	}
	if !r.debug && len(steps) > maxSteps {
		fmt.Fprintf(r.w, "%s%s\n", indent, r.paint(ansiDim, fmt.Sprintf("… %d earlier steps (--debug shows them)", len(steps)-maxSteps)))
		steps = steps[len(steps)-maxSteps:]
	}
	for _, s := range steps {
		var line string
		switch s.Kind {
		case "send":
			line = fmt.Sprintf("%s -> %s", s.Conn, shortBytes(s.Data))
		case "recv":
			line = fmt.Sprintf("%s <- %s", s.Conn, shortBytes(s.Data))
		case "note":
			line = "· " + s.Text
		case "exec":
			line = "$ " + s.Text
		default:
			line = s.Conn + ": " + s.Text
		}
		if (s.Kind == "send" || s.Kind == "recv") && s.Text != "" {
			line += " " + s.Text
		}
		fmt.Fprintf(r.w, "%s%s\n", indent, r.paint(ansiDim, line))
		if r.debug && (s.Kind == "send" || s.Kind == "recv" || s.Kind == "exec") && s.Data != "" {
			for _, h := range strings.Split(strings.TrimRight(hexdump(s.Data), "\n"), "\n") {
				fmt.Fprintf(r.w, "%s    %s\n", indent, r.paint(ansiDim, h))
			}
		}
	}
}

func (r *reporter) failure(f *Failure) {
	if f.Message != "" {
		fmt.Fprintf(r.w, "%s%s\n", indent, r.paint(ansiRed, f.Message))
	}
	if f.Expected != nil || f.Got != nil {
		exp, got := value(f.Expected, f.ExpectedRaw), value(f.Got, f.GotRaw)
		// Cut both to a window around the first difference, then point at it.
		diff := firstDiff(f.Expected, f.Got)
		expS, expCol := window(exp.text, diff)
		gotS, gotCol := window(got.text, diff)
		fmt.Fprintf(r.w, "%sexpected %s%s%s\n", indent, expS, exp.count, how(f.ExpectedHow))
		fmt.Fprintf(r.w, "%sgot      %s%s%s\n", indent, r.paint(ansiRed, gotS), got.count, how(f.GotHow))
		if diff >= 0 && f.Expected != nil && f.Got != nil && *f.Got != "" && !f.ExpectedRaw && !f.GotRaw {
			col := max(expCol, gotCol)
			fmt.Fprintf(r.w, "%s         %s%s\n", indent, strings.Repeat(" ", col), r.paint(ansiRed, "^"))
		}
	}
	if f.Hint != "" {
		fmt.Fprintf(r.w, "%s%s %s\n", indent, r.paint(ansiYellow, "hint:"), f.Hint)
	}
}

type shown struct {
	text  string // quoted and escaped, or a raw value
	count string // " (7 bytes)"
}

func value(s *string, raw bool) shown {
	switch {
	case s == nil:
		return shown{text: "nothing"}
	case raw:
		return shown{text: *s}
	}
	return shown{text: quote(*s), count: fmt.Sprintf(" (%s)", plural(len(*s), "byte"))}
}

func how(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

// firstDiff is the byte index of the first difference, -1 when equal or
// not both strings.
func firstDiff(a, b *string) int {
	if a == nil || b == nil {
		return -1
	}
	n := min(len(*a), len(*b))
	for i := 0; i < n; i++ {
		if (*a)[i] != (*b)[i] {
			return i
		}
	}
	if len(*a) == len(*b) {
		return -1
	}
	return n
}

// window shortens a quoted value around byte diff of the raw value and
// returns it with the column of that byte in the returned text.
func window(q string, diff int) (string, int) {
	if diff < 0 || !strings.HasPrefix(q, `"`) {
		if utf8.RuneCountInString(q) > 2*maxShown {
			return q[:2*maxShown] + "…", -1
		}
		return q, -1
	}
	// column of raw byte diff: 1 for the quote plus the escaped width before it
	raw := unquoteWidths(q)
	col := 1
	if diff < len(raw) {
		col = raw[diff]
	} else {
		col = len(q) - 1 // past the end: under the closing quote
	}
	start := 0
	if col > maxShown {
		start = col - maxShown/2
	}
	s := q[start:]
	if len(s) > 2*maxShown {
		s = s[:2*maxShown] + "…"
	}
	if start > 0 {
		return "…" + s, col - start + 1
	}
	return s, col
}

// unquoteWidths maps each raw byte of a quoted value to its column.
func unquoteWidths(q string) []int {
	var cols []int
	for i := 1; i < len(q)-1; {
		cols = append(cols, i)
		if q[i] == '\\' {
			if q[i+1] == 'x' {
				i += 4
			} else {
				i += 2
			}
			continue
		}
		i++
	}
	return cols
}

func (r *reporter) learnerOutput(st *StageResult) {
	out := strings.TrimRight(st.Output, "\n")
	if out == "" && st.Dropped == 0 {
		return
	}
	fmt.Fprintf(r.w, "%syour script printed:\n", indent)
	var lines []string
	if out != "" {
		lines = strings.Split(out, "\n")
	}
	if !r.debug && len(lines) > maxOutputLines {
		head, tail := lines[:maxOutputLines/2], lines[len(lines)-maxOutputLines/2:]
		lines = append(append(head[:len(head):len(head)], fmt.Sprintf("… %d lines not shown", len(lines)-maxOutputLines)), tail...)
	}
	for _, l := range lines {
		if len(l) > 2*maxShown {
			l = l[:2*maxShown] + "…"
		}
		fmt.Fprintf(r.w, "%s| %s\n", indent, l)
	}
	if st.Dropped > 0 {
		fmt.Fprintf(r.w, "%s| … and %d more bytes, not kept (%d KiB are)\n", indent, st.Dropped, outputLimit>>10)
	}
}

func (r *reporter) checkerOutput(s string) {
	fmt.Fprintf(r.w, "the checker printed:\n")
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(r.w, "%s| %s\n", indent, l)
	}
}

func (r *reporter) summary(l Lab, res *Result) {
	n := len(res.Stages)
	if res.Passed() {
		fmt.Fprintf(r.w, "\n%s\n", r.paint(ansiGreen, fmt.Sprintf("All %d stages passed: lab %s is done.", n, l.Name)))
		return
	}
	fmt.Fprintf(r.w, "Stage %d of %d failed; %d passed. Fix it and run `netplay lab check %s` again.\n",
		res.Failed+1, n, res.Failed, l.Name)
}

// quote escapes bytes for a report: printable ASCII as is, \r \n \t \\ \"
// and \xNN for the rest, in double quotes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x%02x`, c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shortBytes is a step's view of bytes: quoted, cut after maxShown
// characters, and counted.
func shortBytes(s string) string {
	q := quote(s)
	if len(q) > maxShown {
		q = q[:maxShown] + `"…`
	}
	return fmt.Sprintf("%s (%s)", q, plural(len(s), "byte"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func fmtDur(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Seconds()), ".0") + " s"
}

// hexdump is a hexdump -C style listing for --debug.
func hexdump(s string) string {
	var b strings.Builder
	for off := 0; off < len(s); off += 16 {
		end := min(off+16, len(s))
		fmt.Fprintf(&b, "%08x  ", off)
		for i := off; i < off+16; i++ {
			if i < end {
				fmt.Fprintf(&b, "%02x ", s[i])
			} else {
				b.WriteString("   ")
			}
			if i == off+7 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(" |")
		for i := off; i < end; i++ {
			if c := s[i]; c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteString("|\n")
	}
	return b.String()
}
