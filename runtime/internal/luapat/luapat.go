// Package luapat is netplay's own Lua 5.1 pattern matcher: string.find,
// string.match, string.gmatch and string.gsub with Lua 5.1's semantics,
// plus a step counter that calls a check function (the VM's context) as it
// goes, so that the per-callback budget stops a pathological pattern —
// `s:match("^%s*(.-)%s*$")` on a long line is quadratic, `s:find(".-.-.-b")`
// worse — the same way it stops a Lua loop.
//
// The Go API works on byte offsets (0-based, half-open); Install puts the
// Lua functions into a gopher-lua state.
package luapat

import (
	"strconv"
	"strings"
)

// specials are the bytes that make string.find search with a pattern
// rather than for plain text.
const specials = "^$*+?.([%-"

// CaptureKind says what a Capture holds.
type CaptureKind uint8

const (
	// Text is a captured substring: Subject[Start:End].
	Text CaptureKind = iota
	// Position is a position capture "()": the 0-based offset Start.
	Position
	// Unfinished is a capture the pattern opened and never closed: using
	// its value is an error ("unfinished capture").
	Unfinished
)

// Capture is one capture of a match.
type Capture struct {
	Start, End int
	Kind       CaptureKind
}

// Result is one match: the bytes Subject[Start:End] matched, with the
// captures in the order their "(" appear.
type Result struct {
	Subject    string
	Start, End int
	Captures   []Capture
}

// Value is capture i (0-based) as string.match returns it: text, or a
// position (1-based, as Lua counts) when isPos. A pattern without captures
// has the whole match as capture 0.
func (r *Result) Value(i int) (text string, pos int, isPos bool, err error) {
	if i >= len(r.Captures) {
		if i == 0 {
			return r.Subject[r.Start:r.End], 0, false, nil
		}
		return "", 0, false, errorf("invalid capture index")
	}
	switch c := r.Captures[i]; c.Kind {
	case Position:
		return "", c.Start + 1, true, nil
	case Unfinished:
		return "", 0, false, errorf("unfinished capture")
	default:
		return r.Subject[c.Start:c.End], 0, false, nil
	}
}

// NumValues is how many values string.match, string.gmatch and a gsub
// function get for r: its captures, or 1 (the whole match) without any.
func (r *Result) NumValues() int { return max(1, len(r.Captures)) }

func (m *matcher) result(start, end int) *Result {
	r := &Result{Subject: m.src, Start: start, End: end}
	if m.level > 0 {
		r.Captures = make([]Capture, m.level)
		for i, c := range m.capture[:m.level] {
			switch c.len {
			case capPosition:
				r.Captures[i] = Capture{Start: c.init, End: c.init, Kind: Position}
			case capUnfinished:
				r.Captures[i] = Capture{Start: c.init, End: c.init, Kind: Unfinished}
			default:
				r.Captures[i] = Capture{Start: c.init, End: c.init + c.len}
			}
		}
	}
	return r
}

// Init turns string.find's and string.match's init argument (1-based,
// negative from the end) into a 0-based offset in [0, len(subject)].
func Init(init, length int) int {
	if init < 0 {
		init += length + 1
	}
	init--
	return min(max(init, 0), length)
}

// Find is string.find(subject, pattern, init+1, plain): the first match at
// or after the 0-based offset init, or nil. A pattern without special
// characters, or plain, is searched for as text (the result then has no
// captures).
func Find(subject, pattern string, init int, plain bool, opt Options) (*Result, error) {
	if plain || isPlain(pattern) {
		i := strings.Index(subject[init:], pattern)
		if i < 0 {
			return nil, nil
		}
		return &Result{Subject: subject, Start: init + i, End: init + i + len(pattern)}, nil
	}
	return search(subject, pattern, init, opt)
}

// isPlain reports whether string.find searches for pattern as text: it
// has no special character before its first NUL (C Lua looks no further).
func isPlain(pattern string) bool {
	if i := strings.IndexByte(pattern, 0); i >= 0 {
		pattern = pattern[:i]
	}
	return !strings.ContainsAny(pattern, specials)
}

// Match is string.match(subject, pattern, init+1): like Find with patterns
// always.
func Match(subject, pattern string, init int, opt Options) (*Result, error) {
	return search(subject, pattern, init, opt)
}

// search tries the pattern at init, init+1, … (only at init when it starts
// with '^').
func search(subject, pattern string, init int, opt Options) (res *Result, err error) {
	m := newMatcher(subject, pattern, opt)
	p := 0
	anchor := m.pc(0) == '^'
	if anchor {
		p = 1
	}
	err = run(func() {
		for s := init; s <= len(subject); s++ {
			m.level = 0
			if e := m.match(s, p); e >= 0 {
				res = m.result(s, e)
				return
			}
			if anchor {
				return
			}
		}
	})
	return res, err
}

// Iter is string.gmatch's iterator state: each Next finds the next match.
// '^' is not an anchor in gmatch (Lua 5.1 matches it as a plain byte).
type Iter struct {
	subject, pattern string
	pos              int // where the next search starts; > len(subject) when done
}

// Gmatch returns an iterator over the matches of pattern in subject.
func Gmatch(subject, pattern string) *Iter {
	return &Iter{subject: subject, pattern: pattern}
}

// Next returns the next match, or nil when there is none.
func (it *Iter) Next(opt Options) (res *Result, err error) {
	m := newMatcher(it.subject, it.pattern, opt)
	err = run(func() {
		for ; it.pos <= len(it.subject); it.pos++ {
			m.level = 0
			if e := m.match(it.pos, 0); e >= 0 {
				res = m.result(it.pos, e)
				if e == it.pos {
					e++ // an empty match: go on one byte further
				}
				it.pos = e
				return
			}
		}
	})
	return res, err
}

// Replacer returns the text that replaces one match in Gsub; keep true
// leaves the matched text as it was (Lua's nil or false replacement).
type Replacer func(r *Result) (repl string, keep bool, err error)

// Gsub is string.gsub(subject, pattern, repl, maxN): it replaces up to maxN
// matches with what replace returns and reports how many matches there
// were. An error from replace ends it with that error.
func Gsub(subject, pattern string, maxN int, replace Replacer, opt Options) (out string, n int, err error) {
	m := newMatcher(subject, pattern, opt)
	p := 0
	anchor := m.pc(0) == '^'
	if anchor {
		p = 1
	}
	var b strings.Builder
	add := func(str string) {
		if opt.MaxResult > 0 && b.Len()+len(str) > opt.MaxResult {
			panic(tooLarge(opt.MaxResult))
		}
		if opt.Reserve != nil && b.Len()+len(str) > b.Cap() {
			// The builder is about to grow: ask for the new buffer and the
			// old one it copies (garbage until the next GC) first, then
			// double it (Grow), so the growths add up to twice the result
			// rather than the several times of append's 1.25 steps.
			if err := opt.Reserve(int64(3*b.Cap() + len(str))); err != nil {
				panic(stopped{err})
			}
			b.Grow(len(str))
		}
		b.WriteString(str)
	}
	s := 0
	err = run(func() {
	loop:
		for n < maxN {
			m.level = 0
			e := m.match(s, p)
			if e >= 0 {
				n++
				repl, keep, rerr := replace(m.result(s, e))
				if rerr != nil {
					panic(stopped{rerr})
				}
				if keep {
					add(subject[s:e])
				} else {
					add(repl)
				}
			}
			switch {
			case e > s:
				s = e
			case s < len(subject):
				add(subject[s : s+1])
				s++
			default:
				break loop
			}
			if anchor {
				break
			}
		}
		add(subject[s:])
	})
	if err != nil {
		return "", n, err
	}
	return b.String(), n, nil
}

// tooLarge is Gsub's error past Options.MaxResult.
func tooLarge(max int) *Error {
	if max%(1<<20) == 0 {
		return errorf("string.gsub: result too large (more than %d MiB)", max>>20)
	}
	return errorf("string.gsub: result too large (more than %d bytes)", max)
}

// Expand is gsub's string replacement for one match: %0 is the whole match,
// %1-%9 a capture (a position capture as its number), %% and % before any
// other byte that byte. A '%' at the very end stands for a NUL byte, as in
// C Lua 5.1, which reads the string's terminator there.
//
// A positive max bounds the result: past it Expand fails as Gsub does.
func Expand(template string, r *Result, max int) (string, error) {
	if strings.IndexByte(template, escape) < 0 {
		return template, nil
	}
	var b strings.Builder
	for i := 0; i < len(template); i++ {
		c := template[i]
		if c != escape {
			b.WriteByte(c)
			continue
		}
		i++
		var d byte
		if i < len(template) {
			d = template[i]
		}
		switch {
		case !isDigit(d):
			b.WriteByte(d)
		case d == '0':
			b.WriteString(r.Subject[r.Start:r.End])
		default:
			text, pos, isPos, err := r.Value(int(d - '1'))
			if err != nil {
				return "", err
			}
			if isPos {
				b.WriteString(strconv.Itoa(pos))
			} else {
				b.WriteString(text)
			}
		}
		if max > 0 && b.Len() > max {
			return "", tooLarge(max)
		}
	}
	return b.String(), nil
}
