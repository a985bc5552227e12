package codecs

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestRESPDecode(t *testing.T) {
	cmd := "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"
	tests := []struct {
		name   string
		o      RESPOptions
		chunks []string
		want   []string // frames; "!" + error text for an error
	}{
		{name: "array of bulk strings", chunks: []string{cmd + cmd[:5]}, want: []string{cmd}},
		{name: "pipelined", chunks: []string{cmd + "PING\r\n" + cmd}, want: []string{cmd, "PING\r\n", cmd}},
		{name: "inline with LF only", chunks: []string{"PING\n"}, want: []string{"PING\n"}},
		{name: "replies", chunks: []string{"+OK\r\n-ERR no\r\n:42\r\n$-1\r\n*-1\r\n$0\r\n\r\n"},
			want: []string{"+OK\r\n", "-ERR no\r\n", ":42\r\n", "$-1\r\n", "*-1\r\n", "$0\r\n\r\n"}},
		{name: "nested arrays", chunks: []string{"*3\r\n*1\r\n:1\r\n*0\r\n$-1\r\n"},
			want: []string{"*3\r\n*1\r\n:1\r\n*0\r\n$-1\r\n"}},
		{name: "empty inline lines are skipped", chunks: []string{"\r\n  \r\nPING\r\n"}, want: []string{"PING\r\n"}},
		{name: "empty commands are skipped with commands_only", o: RESPOptions{CommandsOnly: true},
			chunks: []string{"*0\r\n*-1\r\n+PING\r\n"}, want: []string{"+PING\r\n"}},
		{name: "unbalanced quotes in an inline command", chunks: []string{"SET k \"v\r\n"},
			want: []string{"!corrupted_frame: Protocol error: unbalanced quotes in request"}},
		{name: "invalid multibulk length", chunks: []string{"*abc\r\n"},
			want: []string{"!corrupted_frame: Protocol error: invalid multibulk length"}},
		{name: "multibulk count over the limit", chunks: []string{"*2000000\r\n"},
			want: []string{"!too_long_frame: Protocol error: invalid multibulk length: 2000000 > max_multibulk_length 1048576"}},
		{name: "invalid bulk length", chunks: []string{"*1\r\n$-5\r\n"},
			want: []string{"!corrupted_frame: Protocol error: invalid bulk length"}},
		{name: "bulk over proto-max-bulk-len", chunks: []string{"*1\r\n$600000000\r\n"},
			want: []string{"!too_long_frame: Protocol error: invalid bulk length: 600000000 > max_bulk_length 536870912"}},
		{name: "configured bulk limit", o: RESPOptions{MaxBulkLength: 4}, chunks: []string{"$5\r\nhello\r\n"},
			want: []string{"!too_long_frame: Protocol error: invalid bulk length: 5 > max_bulk_length 4"}},
		{name: "commands only: expected $", o: RESPOptions{CommandsOnly: true}, chunks: []string{"*1\r\n:1\r\n"},
			want: []string{"!corrupted_frame: Protocol error: expected '$', got ':'"}},
		{name: "commands only: a null argument", o: RESPOptions{CommandsOnly: true}, chunks: []string{"*1\r\n$-1\r\n"},
			want: []string{"!corrupted_frame: Protocol error: invalid bulk length"}},
		{name: "null bulk in a value", chunks: []string{"*1\r\n$-1\r\n"}, want: []string{"*1\r\n$-1\r\n"}},
		{name: "bulk without CRLF", chunks: []string{"$3\r\nabcde"},
			want: []string{"!corrupted_frame: Protocol error: expected CRLF after bulk string of 3 bytes"}},
		{name: "header without CR", chunks: []string{"*1\n"},
			want: []string{"!corrupted_frame: Protocol error: expected CRLF at the end of a '*' line"}},
		{name: "unknown type inside an array", chunks: []string{"*1\r\n?x\r\n"},
			want: []string{"!corrupted_frame: Protocol error: invalid type byte '?'"}},
		{name: "too deep", o: RESPOptions{MaxDepth: 2}, chunks: []string{"*1\r\n*1\r\n*1\r\n"},
			want: []string{"!too_long_frame: Protocol error: nesting depth 3 > max_depth 2"}},
		{name: "too big inline request", o: RESPOptions{MaxInlineLength: 8}, chunks: []string{"GET abcd", "e"},
			want: []string{"!too_long_frame: Protocol error: too big inline request (max_inline_length 8)"}},
		{name: "too big mbulk count string", o: RESPOptions{MaxInlineLength: 8}, chunks: []string{"*0000000000001"},
			want: []string{"!too_long_frame: Protocol error: too big mbulk count string (max_inline_length 8)"}},
		{name: "too big bulk count string", o: RESPOptions{MaxInlineLength: 8}, chunks: []string{"*1\r\n$00000000001\r\n"},
			want: []string{"!too_long_frame: Protocol error: too big bulk count string (max_inline_length 8)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nettyDrive(t, RESP(tt.o).New(), tt.chunks...)
			if len(got) > 0 && strings.HasPrefix(got[0], "!") {
				got = got[:1] // the runtime closes the conn: later bytes do not matter
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRESPDefaultInlineLimit(t *testing.T) {
	got := decodeAll(t, RESP(RESPOptions{}), bytes.Repeat([]byte("x"), 70000))
	if want := "too_long_frame: Protocol error: too big inline request (max_inline_length 65536)"; got.Err != want {
		t.Fatalf("70000-byte inline request: %q, want %q", got.Err, want)
	}
}

// TestRESPIncremental checks that a 1 MB bulk value arriving in 64 KiB pieces
// is not re-parsed from the start at each piece.
func TestRESPIncremental(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 1<<20)
	frame := AppendRESP(nil, RESPArray(RESPBulk([]byte("SET")), RESPBulk([]byte("k")), RESPBulk(value)))
	c := RESP(RESPOptions{}).New().(*respCodec)
	got := decodeChunks(t, c, pieces(frame, 64<<10), 0)
	if len(got.Frames) != 1 || got.Frames[0] != string(frame) {
		t.Fatalf("got %d frames, want the whole command", len(got.Frames))
	}
	if c.scanned > 100 {
		t.Fatalf("searched %d bytes for headers of a %d-byte frame", c.scanned, len(frame))
	}
	v, err := ParseRESP([]byte(got.Frames[0]))
	if err != nil || len(v.Array) != 3 || !bytes.Equal(v.Array[2].Str, value) {
		t.Fatalf("ParseRESP: %v", err)
	}
}

func TestRESPSplitInvariance(t *testing.T) {
	streams := []string{"*2\r\n$1\r\na\r\n:5\r\n", "+OK\r\nPI\r\n", "*1\r\n*0\r\n$-1\r\n", "$2\r\nabX\r\n", "*1\r\n:x\r\n"}
	for _, o := range []RESPOptions{{}, {CommandsOnly: true}, {MaxInlineLength: 3, MaxBulkLength: 1}} {
		for _, s := range streams {
			checkAllSplits(t, RESP(o), []byte(s), true)
		}
	}
}

func TestParseRESP(t *testing.T) {
	tests := []struct {
		frame string
		want  string // fmt of the value, see showRESP
	}{
		{frame: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", want: "[GET k]"},
		{frame: "+OK\r\n", want: "+OK"},
		{frame: "-ERR unknown command\r\n", want: "-ERR unknown command"},
		{frame: ":-12\r\n", want: ":-12"},
		{frame: "$-1\r\n", want: "nil"},
		{frame: "*-1\r\n", want: "nil"},
		{frame: "*2\r\n*1\r\n+a\r\n*0\r\n", want: "[[+a] []]"},
		{frame: "SET k v\r\n", want: "[SET k v]"},
		{frame: `SET "hello world" 'it\'s'` + "\n", want: "[SET hello world it's]"},
		{frame: `ECHO "a\x41\n\"q"` + "\r\n", want: "[ECHO aA\n\"q]"},
		{frame: "  \t\r\n", want: "[]"},
	}
	for _, tt := range tests {
		v, err := ParseRESP([]byte(tt.frame))
		if err != nil {
			t.Errorf("ParseRESP(%q): %v", tt.frame, err)
			continue
		}
		if got := showRESP(v); got != tt.want {
			t.Errorf("ParseRESP(%q) = %s, want %s", tt.frame, got, tt.want)
		}
	}
	for _, bad := range []string{"", `SET "a`, `SET "a"b`, "*2\r\n+a\r\n", "$3\r\nab\r\n", ":x\r\n", "+OK\r\nextra"} {
		if _, err := ParseRESP([]byte(bad)); !IsCorrupted(err) {
			t.Errorf("ParseRESP(%q): %v, want a corrupted_frame error", bad, err)
		}
	}
	if _, err := ParseRESP([]byte(`SET "a`)); err == nil || err.Error() != "corrupted_frame: Protocol error: unbalanced quotes in request" {
		t.Errorf("unbalanced quotes: %v", err)
	}
	if v, err := ParseRESPCommand([]byte("+PING\r\n")); err != nil || showRESP(v) != "[+PING]" {
		t.Errorf("ParseRESPCommand(+PING) = %s, %v", showRESP(v), err)
	}
}

// showRESP formats v compactly: arrays as [a b], bulk strings bare, others
// with their type byte (CR and LF in simple strings and errors shown as
// spaces, as AppendRESP writes them).
func showRESP(v RESPValue) string {
	switch {
	case v.IsNil():
		return "nil"
	case v.Type == '*':
		parts := make([]string, len(v.Array))
		for i, e := range v.Array {
			parts[i] = showRESP(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case v.Type == '$':
		return string(v.Str)
	case v.Type == ':':
		return fmt.Sprintf(":%d", v.Int)
	}
	return string(v.Type) + strings.NewReplacer("\r", " ", "\n", " ").Replace(string(v.Str))
}

func TestAppendRESP(t *testing.T) {
	tests := []struct {
		v    RESPValue
		want string
	}{
		{v: RESPSimple("OK"), want: "+OK\r\n"},
		{v: RESPSimple("a\r\nb"), want: "+a  b\r\n"},
		{v: RESPError("ERR wrong"), want: "-ERR wrong\r\n"},
		{v: RESPInteger(-7), want: ":-7\r\n"},
		{v: RESPBulk([]byte("hi")), want: "$2\r\nhi\r\n"},
		{v: RESPBulk(nil), want: "$0\r\n\r\n"},
		{v: RESPNull(), want: "$-1\r\n"},
		{v: RESPValue{}, want: "$-1\r\n"},
		{v: RESPValue{Type: '*', Null: true}, want: "*-1\r\n"},
		{v: RESPArray(), want: "*0\r\n"},
		{v: RESPArray(RESPInteger(1), RESPArray(RESPBulk([]byte("x")))), want: "*2\r\n:1\r\n*1\r\n$1\r\nx\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendRESP(nil, tt.v)); got != tt.want {
			t.Errorf("AppendRESP(%s) = %q, want %q", showRESP(tt.v), got, tt.want)
		}
	}
}

func FuzzRESP(f *testing.F) {
	f.Add([]byte("*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n"), []byte{3, 1}, uint8(0))
	f.Add([]byte("+OK\r\n-ERR x\r\n:1\r\n$-1\r\n*-1\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n"), []byte{7}, uint8(0))
	f.Add([]byte("*1\r\n:1\r\n"), []byte{1}, uint8(1))
	f.Add([]byte(`SET "a b" 'c'`+"\r\n*0\r\n\r\n"), []byte{2, 9}, uint8(1))
	f.Fuzz(func(t *testing.T, data, cuts []byte, flags uint8) {
		o := RESPOptions{MaxBulkLength: 64, MaxMultibulkLength: 8, MaxInlineLength: 64, MaxDepth: 4, CommandsOnly: flags&1 != 0}
		// The largest frame: 4 levels of 8 elements of 64-byte bulk strings.
		bound := 8 * 8 * 8 * 8 * (64 + 12) * 2
		got := checkSplitInvariance(t, RESP(o), data, cuts, bound, true)
		parse := ParseRESP
		if o.CommandsOnly {
			parse = ParseRESPCommand
		}
		for _, frame := range got.Frames {
			v, err := parse([]byte(frame))
			if err != nil {
				t.Fatalf("decoded frame %q does not parse: %v", frame, err)
			}
			if o.CommandsOnly {
				args, err := RESPCommandArgs(nil, []byte(frame))
				if err != nil || !sameArgs(args, v) {
					t.Fatalf("RESPCommandArgs(%q) = %q, %v; ParseRESPCommand gives %s", frame, args, err, showRESP(v))
				}
			}
			enc := AppendRESP(nil, v)
			again, err := ParseRESP(enc)
			if err != nil || showRESP(again) != showRESP(v) || string(AppendRESP(nil, again)) != string(enc) {
				t.Fatalf("AppendRESP(ParseRESP(%q)) parses as %s, %v; want %s", frame, showRESP(again), err, showRESP(v))
			}
		}
	})
}

// sameArgs reports whether args are v's elements, all non-null bulk strings
// (or inline words).
func sameArgs(args [][]byte, v RESPValue) bool {
	if v.Type != '*' || len(args) != len(v.Array) {
		return false
	}
	for i, e := range v.Array {
		if e.Null || e.Type != '$' || !bytes.Equal(args[i], e.Str) {
			return false
		}
	}
	return true
}

// FuzzRESPCommandArgs: on any frame, RESPCommandArgs agrees with
// ParseRESPCommand wherever the latter yields a command (an array of bulk
// strings, or inline words), and fails wherever it does not.
func FuzzRESPCommandArgs(f *testing.F) {
	for _, seed := range []string{
		"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "*0\r\n", "*1\r\n:1\r\n", "*1\r\n$-1\r\n",
		"*2\r\n$3\r\nGET\r\n", "*1\r\n$3\r\nGETX\r\n", "SET \"a b\" 'c'\r\n", "*1\r\n*1\r\n$1\r\na\r\n",
		"*1\r\n$1\r\na\r\nextra", "*x\r\n", "*1\r\n$99\r\nab\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		args, err := RESPCommandArgs(nil, frame)
		v, perr := ParseRESPCommand(frame)
		isCommand := perr == nil && v.Type == '*' && !v.Null && sameArgs(argStrs(v), v)
		switch {
		case isCommand && (err != nil || !sameArgs(args, v)):
			t.Fatalf("RESPCommandArgs(%q) = %q, %v; ParseRESPCommand gives %s", frame, args, err, showRESP(v))
		case err == nil && !isCommand && !(perr == nil && v.Null):
			t.Fatalf("RESPCommandArgs(%q) = %q, but ParseRESPCommand gives %s, %v", frame, args, showRESP(v), perr)
		}
	})
}

// argStrs is v's element strings.
func argStrs(v RESPValue) [][]byte {
	out := make([][]byte, len(v.Array))
	for i, e := range v.Array {
		out[i] = e.Str
	}
	return out
}

func BenchmarkRESP(b *testing.B) {
	cmd := AppendRESP(nil, RESPArray(RESPBulk([]byte("SET")), RESPBulk([]byte("key:000001")), RESPBulk(bytes.Repeat([]byte("v"), 32))))
	benchDecode(b, RESP(RESPOptions{}), bytes.Repeat(cmd, 1000), 1000)
}

func BenchmarkParseRESP(b *testing.B) {
	cmd := AppendRESP(nil, RESPArray(RESPBulk([]byte("SET")), RESPBulk([]byte("key:000001")), RESPBulk(bytes.Repeat([]byte("v"), 32))))
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd)))
	for b.Loop() {
		if _, err := ParseRESP(cmd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRESPCommandArgs(b *testing.B) {
	for _, c := range []struct{ name, cmd string }{
		{"array", string(AppendRESP(nil, RESPArray(RESPBulk([]byte("SET")), RESPBulk([]byte("key:000001")), RESPBulk(bytes.Repeat([]byte("v"), 32)))))},
		{"inline", "SET key:000001 " + strings.Repeat("v", 32) + "\r\n"},
	} {
		b.Run(c.name, func(b *testing.B) {
			cmd := []byte(c.cmd)
			b.ReportAllocs()
			b.SetBytes(int64(len(cmd)))
			var args [][]byte
			for b.Loop() {
				var err error
				if args, err = RESPCommandArgs(args[:0], cmd); err != nil || len(args) != 3 {
					b.Fatal(err)
				}
			}
		})
	}
}

// parseInt agrees with strconv.ParseInt(s, 10, 64) on every input.
func FuzzRESPInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "+7", "", "-", "+", "12a", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "00000000000000000000001", "-0", "1_000", " 1", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := parseInt([]byte(s))
		if ok != (err == nil) || (ok && got != want) {
			t.Fatalf("parseInt(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
	})
}

// splitArg's plain-word shortcut gives what the full scanner gives.
func FuzzInlineSplitArg(f *testing.F) {
	for _, s := range []string{"SET k v", `a"b c" d`, `'x y'`, `"a\x41"`, "  lead", `ab'c'`, `"unclosed`, "tab\tsep"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line := []byte(s)
		for p := 0; p < len(line); p++ {
			a, n, ok := splitArg(line, p)
			b, m, ok2 := scanArg(line, p, true)
			if ok != ok2 || (ok && (n != m || !bytes.Equal(a, b))) {
				t.Fatalf("at %d of %q: splitArg %q %d %v, scanArg %q %d %v", p, s, a, n, ok, b, m, ok2)
			}
		}
	})
}
