package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// :help NAME wraps descriptions at helpWidth with their indentation, so a
// terminal does not wrap a 600-character line at column 0 (example code is
// left as written).
func TestHelpTopicsWrap(t *testing.T) {
	topics := moduleTopics()
	if len(topics) < 5 {
		t.Fatalf("only %d topics", len(topics))
	}
	for _, tp := range topics {
		for _, l := range strings.Split(tp.Body, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "| ") || !strings.Contains(strings.TrimSpace(l), " ") {
				continue
			}
			if n := utf8.RuneCountInString(l); n > helpWidth {
				t.Errorf(":help %s has a %d-column line: %q", tp.Name, n, l)
			}
		}
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText("aaa bbb ccc dddddddddddd e\nnext para", 12, "  ")
	want := "  aaa bbb\n  ccc\n  dddddddddddd\n  e\n  next para\n"
	if got != want {
		t.Errorf("wrapText = %q, want %q", got, want)
	}
}
