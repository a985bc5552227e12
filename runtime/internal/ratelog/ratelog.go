// Package ratelog keeps a flood of one error from drowning a terminal: a
// timer that fails 780 times a second prints its error once, then one
// summary line a second ("… 779 more in the last 1s") while it repeats.
package ratelog

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Limiter writes messages to W, each distinct message at most once per
// Window; repeats inside the window are counted and summed up when the
// window ends (on the next write of any message, or on Flush). The zero
// value is not usable: set W. Window 0 means one second.
type Limiter struct {
	W      io.Writer
	Window time.Duration
	Now    func() time.Time // the clock; nil -> time.Now

	mu   sync.Mutex
	seen map[string]*entry
}

type entry struct {
	first   time.Time // start of the current window
	dropped int       // repeats suppressed in it
	line    string    // the message's first line, for the summary
}

// Print writes msg (a complete message, newline added if missing) unless
// the same message was written within the window; it reports whether it
// was written.
func (l *Limiter) Print(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.flushLocked(now, false)
	if l.seen == nil {
		l.seen = make(map[string]*entry)
	}
	if e := l.seen[msg]; e != nil {
		e.dropped++
		return false
	}
	l.seen[msg] = &entry{first: now, line: firstLine(msg)}
	if len(msg) == 0 || msg[len(msg)-1] != '\n' {
		msg += "\n"
	}
	io.WriteString(l.W, msg)
	return true
}

// Flush writes the summary line of every message that was repeated and
// forgets all windows.
func (l *Limiter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked(l.now(), true)
}

// Tick writes the summary line of every message whose window has ended
// and forgets it; call it after the last repeat so the count is not kept
// until the next message.
func (l *Limiter) Tick() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked(l.now(), false)
}

func (l *Limiter) flushLocked(now time.Time, all bool) {
	win := l.Window
	if win <= 0 {
		win = time.Second
	}
	for msg, e := range l.seen {
		if !all && now.Sub(e.first) < win {
			continue
		}
		if e.dropped > 0 {
			fmt.Fprintf(l.W, "… %d more of %q in the last %s\n", e.dropped, e.line, now.Sub(e.first).Round(time.Millisecond))
		}
		delete(l.seen, msg)
	}
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
