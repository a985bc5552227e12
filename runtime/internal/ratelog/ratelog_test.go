package ratelog

import (
	"strings"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	var out strings.Builder
	now := time.Unix(1000, 0)
	l := &Limiter{W: &out, Now: func() time.Time { return now }}
	msg := "timer: t.lua:3: boom\nstack traceback:\n\tt.lua:3"
	for i := 0; i < 780; i++ {
		l.Print(msg)
		now = now.Add(time.Second / 800)
	}
	if l.Print("other error") != true {
		t.Fatal("a different message was held back")
	}
	if got := strings.Count(out.String(), "boom"); got != 1 {
		t.Fatalf("the repeated error was printed %d times:\n%s", got, out.String())
	}
	now = now.Add(100 * time.Millisecond) // the first window (1 s) has ended
	l.Print(msg)
	s := out.String()
	if !strings.Contains(s, `… 779 more of "timer: t.lua:3: boom" in the last 1.075s`) {
		t.Fatalf("no summary line:\n%s", s)
	}
	if strings.Count(s, "boom\nstack traceback") != 2 {
		t.Fatalf("the error was not printed again in the new window:\n%s", s)
	}
	l.Print(msg)
	l.Flush()
	if !strings.Contains(out.String(), `… 1 more of "timer: t.lua:3: boom" in the last 0s`) {
		t.Fatalf("Flush wrote no summary:\n%s", out.String())
	}
}
