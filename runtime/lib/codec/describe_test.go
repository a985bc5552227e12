package codec

import (
	"strings"
	"testing"
)

func TestRESPDescribe(t *testing.T) {
	f := &respFramer{}
	for frame, want := range map[string]string{
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\na b\"c\r\n": `RESP [SET k "a b\"c"]`,
		"+OK\r\n":                   "RESP +OK",
		"-ERR no\r\n":               "RESP -ERR no",
		":42\r\n":                   "RESP 42",
		"$-1\r\n":                   "RESP nil",
		"*2\r\n*1\r\n:1\r\n$-1\r\n": "RESP [[1] nil]",
		"$3\r\nfoo\r\n":             "RESP $foo",
		"*1\r\n$3\r\nfo":            "", // not a whole frame
	} {
		if got := Describe(f, []byte(frame)); got != want {
			t.Errorf("%q: %q, want %q", frame, got, want)
		}
	}
	long := "*1\r\n$200\r\n" + strings.Repeat("x", 200) + "\r\n"
	if got := Describe(f, []byte(long)); len(got) > maxDescribe+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("a long value: %q", got)
	}
	if Describe(Raw(), []byte("x")) != "" {
		t.Error("raw describes")
	}
}
