// Package e2e tests netplay's examples end to end: the real binary, real
// sockets, and peers nobody here wrote (redis-cli, redis-benchmark).
package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netplay-lab/netplay/internal/testkit"
)

// netplayBin is the netplay binary, built once by TestMain.
var netplayBin string

func TestMain(m *testing.M) {
	var err error
	if netplayBin, err = testkit.BuildNetplay(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(testkit.Main(m))
}

// needTool is testkit.NeedTool: skip when an outside peer is missing, fail
// when CI is set.
func needTool(t *testing.T, name string) string {
	t.Helper()
	return testkit.NeedTool(t, name)
}

var listenRE = regexp.MustCompile(`listening on (?:tcp://)?(127\.0\.0\.1:\d+)`)

// startScript runs `netplay run script args…` and returns the address the
// script prints ("… listening on tcp://127.0.0.1:PORT"). The process is
// stopped with SIGTERM when the test ends.
func startScript(t *testing.T, script string, args ...string) string {
	t.Helper()
	cmd := exec.Command(netplayBin, append([]string{"run", script}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrCh <- m[1]:
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case a := <-addrCh:
		return a
	case err := <-exited:
		t.Fatalf("%s exited before listening: %v\n%s", script, err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not print its address within 10s\n%s", script, stderr.String())
	}
	return ""
}

// run runs a command with a deadline and returns its combined output.
func run(t *testing.T, timeout time.Duration, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v: timed out after %v\n%s", name, args, timeout, out)
	}
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}
