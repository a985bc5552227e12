package main

import "strings"

// oneLine rewrites a Lua chunk that spans lines as one line that means the
// same: Lua does not care about newlines between tokens, so they become
// spaces (each line trimmed), and where a newline does matter the construct
// is rewritten —
//
//   - a "-- comment" ending a line becomes a long comment --[[ comment ]]
//     (with as many '=' as it takes to close it safely);
//   - a long string or long comment that spans lines: the string becomes a
//     quoted literal with \n escapes (its bytes unchanged), the comment's
//     newlines become spaces;
//   - a backslash-newline inside a quoted string becomes \n.
//
// An unterminated construct (the chunk did not compile) is kept as typed,
// newlines turned to spaces.
func oneLine(src string) string {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			// trim around the line break, keep one space
			out := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(out)
			i++
			for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n') {
				i++
			}
			if b.Len() > 0 && i < len(src) {
				b.WriteByte(' ')
			}
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			i = comment(&b, src, i)
		case c == '[' && longBracketLevel(src[i:]) >= 0:
			i = longString(&b, src, i)
		case c == '"' || c == '\'':
			i = shortString(&b, src, i)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return strings.TrimSpace(b.String())
}

// longBracketLevel returns n for an opening long bracket "[" + n×"=" + "["
// at the start of s, or -1.
func longBracketLevel(s string) int {
	n := 1
	for n < len(s) && s[n] == '=' {
		n++
	}
	if n < len(s) && s[n] == '[' {
		return n - 1
	}
	return -1
}

// longBody finds the body of the long bracket opening at src[i:]; end is
// the index after its closing bracket, or -1 when it is not closed.
func longBody(src string, i int) (open, body string, end int) {
	level := longBracketLevel(src[i:])
	open = src[i : i+level+2]
	closing := "]" + strings.Repeat("=", level) + "]"
	j := strings.Index(src[i+len(open):], closing)
	if j < 0 {
		return open, src[i+len(open):], -1
	}
	body = src[i+len(open) : i+len(open)+j]
	return open, body, i + len(open) + j + len(closing)
}

// comment writes the comment at src[i:] ("--…") on one line and returns the
// index after it.
func comment(b *strings.Builder, src string, i int) int {
	if i+2 < len(src) && src[i+2] == '[' && longBracketLevel(src[i+2:]) >= 0 {
		open, body, end := longBody(src, i+2)
		if end < 0 {
			b.WriteString(strings.ReplaceAll(src[i:], "\n", " "))
			return len(src)
		}
		b.WriteString("--" + open + strings.ReplaceAll(body, "\n", " ") + src[i+2+len(open)+len(body):end])
		return end
	}
	j := strings.IndexByte(src[i:], '\n')
	if j < 0 { // the last line: it may stay a line comment
		b.WriteString(src[i:])
		return len(src)
	}
	text := strings.TrimRight(src[i+2:i+j], " \t")
	eq := ""
	for strings.Contains(text+"]"+eq, "]"+eq+"]") {
		eq += "="
	}
	b.WriteString("--[" + eq + "[" + text + "]" + eq + "]")
	return i + j
}

// longString writes the long string at src[i:] on one line and returns the
// index after it.
func longString(b *strings.Builder, src string, i int) int {
	_, body, end := longBody(src, i)
	if end < 0 {
		b.WriteString(strings.ReplaceAll(src[i:], "\n", " "))
		return len(src)
	}
	if !strings.Contains(body, "\n") {
		b.WriteString(src[i:end])
		return end
	}
	// Lua drops a newline right after the opening bracket
	b.WriteString(quoteLua(strings.TrimPrefix(body, "\n"), len(body)))
	return end
}

// shortString copies the quoted string at src[i:], turning a
// backslash-newline into \n, and returns the index after it.
func shortString(b *strings.Builder, src string, i int) int {
	q := src[i]
	b.WriteByte(q)
	for j := i + 1; j < len(src); j++ {
		c := src[j]
		switch {
		case c == '\\' && j+1 < len(src) && src[j+1] == '\n':
			b.WriteString(`\n`)
			j++
		case c == '\\' && j+1 < len(src):
			b.WriteByte(c)
			b.WriteByte(src[j+1])
			j++
		case c == '\n': // unterminated: keep the rest as typed
			b.WriteString(strings.ReplaceAll(src[j:], "\n", " "))
			return len(src)
		default:
			b.WriteByte(c)
			if c == q {
				return j + 1
			}
		}
	}
	return len(src)
}
