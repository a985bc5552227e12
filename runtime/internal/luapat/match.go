package luapat

import (
	"context"
	"fmt"
)

// The matcher is a backtracking interpreter of the pattern text, one Go
// function per construct, written from the Lua 5.1 reference manual (§5.4.1)
// and the behaviour of its string library:
//
//   - the pattern ends at its end or at its first NUL byte, as in C Lua
//     5.1 (use %z to match a NUL);
//   - reading past the subject's end gives a NUL byte (what %f and %b see);
//   - a back-reference to a position capture never matches.
//
// Every call of match and every byte a repetition or %b consumes is a step;
// every CheckEvery steps the check function runs, and an error from it ends
// the match (the VM's budget or a cancelled context).

const (
	maxCaptures = 32 // LUA_MAXCAPTURES
	escape      = '%'

	capUnfinished = -1 // an open capture: "(" seen, ")" not yet
	capPosition   = -2 // a position capture "()"
)

// CheckEvery is how many matcher steps pass between two calls of
// Options.Check. A step costs tens of nanoseconds, so a check runs every
// few tens of microseconds of matching.
const CheckEvery = 1024

// Error is a pattern the matcher cannot use (malformed, a bad capture
// reference), with the message Lua 5.1 gives.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// ctxErr is ctx's error once Done is closed, else nil. A nil Done (netplay's
// budget while it has not tripped) costs nothing.
func ctxErr(ctx context.Context) error {
	done := ctx.Done()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return ctx.Err()
	default:
		return nil
	}
}

func errorf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Options tune a match. The zero value matches without checks.
type Options struct {
	// Context, when set, is looked at every CheckEvery steps as gopher-lua
	// looks at an LState's context before each instruction: once Done is
	// closed the match stops and the call returns Err.
	Context context.Context
	// Check, when set, is called every CheckEvery steps; a non-nil error
	// stops the match, and the call returns that error.
	Check func() error
	// MaxResult bounds the bytes Gsub may build; past it Gsub fails with
	// "result too large". 0: no bound.
	MaxResult int
	// Reserve, when set, is asked before Gsub's result grows by n bytes
	// (netplay's memory cap); its error ends Gsub with that error.
	Reserve func(n int64) error
}

// stopped carries Check's error up through the recursion.
type stopped struct{ err error }

type capture struct {
	init int // offset in the subject
	len  int // length, or capUnfinished / capPosition
}

// matcher is the state of one match attempt at one subject position (Lua's
// MatchState). It is used by one goroutine.
type matcher struct {
	src, pat string
	level    int // captures in use
	capture  [maxCaptures]capture
	steps    int
	ctx      context.Context
	check    func() error
}

func newMatcher(src, pat string, opt Options) *matcher {
	return &matcher{src: src, pat: pat, ctx: opt.Context, check: opt.Check}
}

// run calls fn and turns the matcher's panics (a pattern Error, a stop from
// Check) into an error; other panics (a Lua error raised by a replacement
// function) pass through.
func run(fn func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case *Error:
			err = r
		case stopped:
			err = r.err
		default:
			panic(r)
		}
	}()
	fn()
	return nil
}

// step counts one unit of work and runs the check when due.
func (m *matcher) step() {
	m.steps++
	if m.steps >= CheckEvery {
		m.steps = 0
		if m.ctx != nil {
			if err := ctxErr(m.ctx); err != nil {
				panic(stopped{err})
			}
		}
		if m.check != nil {
			if err := m.check(); err != nil {
				panic(stopped{err})
			}
		}
	}
}

// pc is the pattern byte at p; 0 past the end (C's terminating NUL).
func (m *matcher) pc(p int) byte {
	if p < len(m.pat) {
		return m.pat[p]
	}
	return 0
}

// sc is the subject byte at s; 0 at the end.
func (m *matcher) sc(s int) byte {
	if s < len(m.src) {
		return m.src[s]
	}
	return 0
}

// match matches the pattern from p against the subject from s and returns
// where the match ends, or -1.
func (m *matcher) match(s, p int) int {
	for {
		m.step()
		switch m.pc(p) {
		case '(':
			if m.pc(p+1) == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case 0:
			return s
		case '$':
			if m.pc(p+1) == 0 {
				if s == len(m.src) {
					return s
				}
				return -1
			}
			// a '$' inside the pattern is a plain character: below
		case escape:
			switch m.pc(p + 1) {
			case 'b':
				if s = m.matchBalance(s, p+2); s < 0 {
					return -1
				}
				p += 4
				continue
			case 'f':
				p += 2
				if m.pc(p) != '[' {
					panic(errorf("missing '[' after '%%f' in pattern"))
				}
				ep := m.classEnd(p)
				var prev byte
				if s > 0 {
					prev = m.src[s-1]
				}
				if m.matchBracketClass(prev, p, ep-1) || !m.matchBracketClass(m.sc(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			default:
				if isDigit(m.pc(p + 1)) {
					if s = m.matchCapture(s, m.pc(p+1)); s < 0 {
						return -1
					}
					p += 2
					continue
				}
				// %a, %., …: a single-character class, below
			}
		}
		// a single-character class, maybe followed by a quantifier
		ep := m.classEnd(p)
		ok := s < len(m.src) && m.singleMatch(m.src[s], p, ep)
		switch m.pc(ep) {
		case '?':
			if ok {
				if r := m.match(s+1, ep+1); r >= 0 {
					return r
				}
			}
			p = ep + 1
		case '*':
			return m.maxExpand(s, p, ep)
		case '+':
			if !ok {
				return -1
			}
			return m.maxExpand(s+1, p, ep)
		case '-':
			return m.minExpand(s, p, ep)
		default:
			if !ok {
				return -1
			}
			s, p = s+1, ep
		}
	}
}

// classEnd returns the index just after the single-character class at p.
func (m *matcher) classEnd(p int) int {
	c := m.pc(p)
	p++
	switch c {
	case escape:
		if m.pc(p) == 0 {
			panic(errorf("malformed pattern (ends with '%%')"))
		}
		return p + 1
	case '[':
		if m.pc(p) == '^' {
			p++
		}
		for { // the first byte of a set is never its end: "[]]" is a set of ']'
			if m.pc(p) == 0 {
				panic(errorf("malformed pattern (missing ']')"))
			}
			c := m.pc(p)
			p++
			if c == escape && m.pc(p) != 0 {
				p++ // an escaped byte, e.g. %]
			}
			if m.pc(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

// singleMatch reports whether c matches the class at p (ending before ep).
func (m *matcher) singleMatch(c byte, p, ep int) bool {
	switch m.pat[p] {
	case '.':
		return true
	case escape:
		return matchClass(c, m.pat[p+1])
	case '[':
		return m.matchBracketClass(c, p, ep-1)
	}
	return m.pat[p] == c
}

// matchBracketClass reports whether c is in the set that opens at p and
// closes at ec.
func (m *matcher) matchBracketClass(c byte, p, ec int) bool {
	in := true
	if m.pc(p+1) == '^' {
		in = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case m.pat[p] == escape:
			p++
			if matchClass(c, m.pat[p]) {
				return in
			}
		case m.pc(p+1) == '-' && p+2 < ec:
			p += 2
			if m.pat[p-2] <= c && c <= m.pat[p] {
				return in
			}
		case m.pat[p] == c:
			return in
		}
	}
	return !in
}

// maxExpand matches the class at p as often as it can, then gives back one
// at a time until the rest of the pattern (after ep) matches.
func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(m.src) && m.singleMatch(m.src[s+i], p, ep) {
		i++
		m.step()
	}
	for ; i >= 0; i-- {
		if r := m.match(s+i, ep+1); r >= 0 {
			return r
		}
	}
	return -1
}

// minExpand tries the rest of the pattern first, taking one more byte of
// the class at p each time it fails.
func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if r := m.match(s, ep+1); r >= 0 {
			return r
		}
		if s < len(m.src) && m.singleMatch(m.src[s], p, ep) {
			s++
		} else {
			return -1
		}
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= maxCaptures {
		panic(errorf("too many captures"))
	}
	m.capture[m.level] = capture{init: s, len: what}
	m.level++
	r := m.match(s, p)
	if r < 0 {
		m.level--
	}
	return r
}

func (m *matcher) endCapture(s, p int) int {
	l := m.captureToClose()
	m.capture[l].len = s - m.capture[l].init
	r := m.match(s, p)
	if r < 0 {
		m.capture[l].len = capUnfinished
	}
	return r
}

// captureToClose is the innermost open capture.
func (m *matcher) captureToClose() int {
	for l := m.level - 1; l >= 0; l-- {
		if m.capture[l].len == capUnfinished {
			return l
		}
	}
	panic(errorf("invalid pattern capture"))
}

// matchBalance matches %bxy at p: x, then bytes up to the y that balances it.
func (m *matcher) matchBalance(s, p int) int {
	if m.pc(p) == 0 || m.pc(p+1) == 0 {
		panic(errorf("unbalanced pattern"))
	}
	open, close := m.pat[p], m.pat[p+1]
	if m.sc(s) != open {
		return -1
	}
	depth := 1
	for s++; s < len(m.src); s++ {
		m.step()
		switch m.src[s] {
		case close:
			if depth--; depth == 0 {
				return s + 1
			}
		case open:
			depth++
		}
	}
	return -1
}

// matchCapture matches %1-%9 at s: the same bytes as that closed capture.
func (m *matcher) matchCapture(s int, digit byte) int {
	l := int(digit) - '1'
	if l < 0 || l >= m.level || m.capture[l].len == capUnfinished {
		panic(errorf("invalid capture index"))
	}
	c := m.capture[l]
	if c.len == capPosition { // C Lua compares a huge length: never equal
		return -1
	}
	if len(m.src)-s >= c.len && m.src[c.init:c.init+c.len] == m.src[s:s+c.len] {
		return s + c.len
	}
	return -1
}
