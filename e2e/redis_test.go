package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// redisServer starts scripts/examples/redis.lua on a free port and returns
// the port for redis-cli's -p.
func redisServer(t *testing.T) (cli func(args ...string) string, port string) {
	t.Helper()
	bin := needTool(t, "redis-cli")
	addr := startScript(t, "../scripts/examples/redis.lua", "0")
	_, port, _ = net.SplitHostPort(addr)
	return func(args ...string) string {
		t.Helper()
		out := run(t, 10*time.Second, "", bin, append([]string{"-h", "127.0.0.1", "-p", port, "--no-raw"}, args...)...)
		return strings.TrimRight(out, "\n")
	}, port
}

func TestRedisCommandsWithRedisCLI(t *testing.T) {
	cli, _ := redisServer(t)
	steps := []struct {
		name string
		args []string
		want string
	}{
		{name: "ping", args: []string{"PING"}, want: "PONG"},
		{name: "ping with message", args: []string{"PING", "hi"}, want: `"hi"`},
		{name: "echo", args: []string{"ECHO", "hello world"}, want: `"hello world"`},
		{name: "get missing", args: []string{"GET", "k"}, want: "(nil)"},
		{name: "set", args: []string{"SET", "k", "v1"}, want: "OK"},
		{name: "get", args: []string{"GET", "k"}, want: `"v1"`},
		{name: "set nx on existing", args: []string{"SET", "k", "v2", "NX"}, want: "(nil)"},
		{name: "set xx on existing", args: []string{"SET", "k", "v3", "XX"}, want: "OK"},
		{name: "get after xx", args: []string{"GET", "k"}, want: `"v3"`},
		{name: "set xx on missing", args: []string{"SET", "nope", "v", "XX"}, want: "(nil)"},
		{name: "set nx on missing", args: []string{"SET", "n", "1", "NX"}, want: "OK"},
		{name: "exists", args: []string{"EXISTS", "k", "n", "nope"}, want: "(integer) 2"},
		{name: "incr", args: []string{"INCR", "n"}, want: "(integer) 2"},
		{name: "incrby", args: []string{"INCRBY", "n", "40"}, want: "(integer) 42"},
		{name: "decr", args: []string{"DECR", "n"}, want: "(integer) 41"},
		{name: "decrby", args: []string{"DECRBY", "n", "1"}, want: "(integer) 40"},
		{name: "get counter", args: []string{"GET", "n"}, want: `"40"`},
		{name: "incr new", args: []string{"INCR", "fresh"}, want: "(integer) 1"},
		{name: "incr non-integer", args: []string{"INCR", "k"}, want: "(error) ERR value is not an integer or out of range"},
		{name: "ttl no expiry", args: []string{"TTL", "k"}, want: "(integer) -1"},
		{name: "ttl missing", args: []string{"TTL", "nope"}, want: "(integer) -2"},
		{name: "expire", args: []string{"EXPIRE", "k", "100"}, want: "(integer) 1"},
		{name: "ttl", args: []string{"TTL", "k"}, want: "(integer) 100"},
		{name: "expire missing", args: []string{"EXPIRE", "nope", "100"}, want: "(integer) 0"},
		{name: "set ex", args: []string{"SET", "e", "v", "EX", "50"}, want: "OK"},
		{name: "ttl of ex", args: []string{"TTL", "e"}, want: "(integer) 50"},
		{name: "set bad ex", args: []string{"SET", "e", "v", "EX", "zero"}, want: "(error) ERR invalid expire time in 'set' command"},
		{name: "set syntax", args: []string{"SET", "e", "v", "BOGUS"}, want: "(error) ERR syntax error"},
		{name: "keys", args: []string{"KEYS", "*"}, want: "1) \"e\"\n2) \"fresh\"\n3) \"k\"\n4) \"n\""},
		{name: "keys pattern", args: []string{"KEYS", "f?es*"}, want: "1) \"fresh\""},
		{name: "dbsize", args: []string{"DBSIZE"}, want: "(integer) 4"},
		{name: "del", args: []string{"DEL", "k", "nope", "e"}, want: "(integer) 2"},
		{name: "dbsize after del", args: []string{"DBSIZE"}, want: "(integer) 2"},
		{name: "wrong arity", args: []string{"GET"}, want: "(error) ERR wrong number of arguments for 'get' command"},
		{name: "unknown command", args: []string{"FOO", "a", "b"}, want: "(error) ERR unknown command 'FOO', with args beginning with: 'a' 'b'"},
		{name: "flushall", args: []string{"FLUSHALL"}, want: "OK"},
		{name: "dbsize after flushall", args: []string{"DBSIZE"}, want: "(integer) 0"},
	}
	for _, s := range steps {
		if got := cli(s.args...); got != s.want {
			t.Fatalf("%s: redis-cli %v = %q, want %q", s.name, s.args, got, s.want)
		}
	}
}

func TestRedisExpiryHappens(t *testing.T) {
	cli, _ := redisServer(t)
	if got := cli("SET", "short", "v", "PX", "100"); got != "OK" {
		t.Fatalf("SET PX = %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for cli("EXISTS", "short") != "(integer) 0" { // --no-raw: typed replies
		if time.Now().After(deadline) {
			t.Fatal("a key set with PX 100 still exists after 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedisPipelinedInput(t *testing.T) {
	bin := needTool(t, "redis-cli")
	_, port := redisServer(t)
	var b strings.Builder
	const n = 2000
	for i := 0; i < n; i++ {
		k, v := fmt.Sprintf("key:%d", i), fmt.Sprintf("value:%d", i)
		fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(k), k, len(v), v)
	}
	b.WriteString("*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n")
	out := run(t, 20*time.Second, b.String(), bin, "-h", "127.0.0.1", "-p", port, "--pipe")
	if !strings.Contains(out, fmt.Sprintf("errors: 0, replies: %d", n+1)) {
		t.Fatalf("redis-cli --pipe: %s", out)
	}
	got := run(t, 10*time.Second, "", bin, "-h", "127.0.0.1", "-p", port, "GET", "key:1999")
	if strings.TrimSpace(got) != "value:1999" {
		t.Fatalf("GET key:1999 after the pipe = %q", got)
	}
}

func TestRedisOneMegabyteValue(t *testing.T) {
	bin := needTool(t, "redis-cli")
	_, port := redisServer(t)
	value := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	f := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(f, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if out := run(t, 20*time.Second, string(in), bin, "-h", "127.0.0.1", "-p", port, "-x", "SET", "big"); strings.TrimSpace(out) != "OK" {
		t.Fatalf("SET big (1 MiB via -x) = %q", out)
	}
	got := run(t, 20*time.Second, "", bin, "-h", "127.0.0.1", "-p", port, "--raw", "GET", "big")
	if strings.TrimRight(got, "\n") != value {
		t.Fatalf("GET big returned %d bytes, want %d identical bytes", len(strings.TrimRight(got, "\n")), len(value))
	}
	if out := run(t, 10*time.Second, "", bin, "-h", "127.0.0.1", "-p", port, "STRLEN", "big"); !strings.Contains(out, "unknown command") {
		t.Fatalf("STRLEN (not implemented) should be an unknown command, got %q", out)
	}
}

var benchLine = regexp.MustCompile(`([A-Z_]+): ([0-9.]+) requests per second`)

func TestRedisBenchmarkRunsClean(t *testing.T) {
	bin := needTool(t, "redis-benchmark")
	_, port := redisServer(t)
	out := run(t, 120*time.Second, "", bin, "-h", "127.0.0.1", "-p", port,
		"-t", "ping,set,get,incr", "-n", "20000", "-c", "20", "-q")
	got := map[string]bool{}
	for _, m := range benchLine.FindAllStringSubmatch(out, -1) {
		got[m[1]] = true
	}
	for _, want := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"} {
		if !got[want] {
			t.Errorf("redis-benchmark printed no figure for %s:\n%s", want, out)
		}
	}
	if strings.Contains(strings.ToLower(out), "error") {
		t.Errorf("redis-benchmark reported errors:\n%s", out)
	}
}
